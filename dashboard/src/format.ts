import type { ScheduleTiming } from "./types";

// Times are shown in the viewer's time zone; a schedule's own zone is offered on hover.

/** The viewer's IANA time zone. */
export const viewerZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string | undefined, withZone: boolean, withYear: boolean): Intl.DateTimeFormat {
  const key = `${zone ?? ""}|${String(withZone)}|${String(withYear)}`;
  let found = formatters.get(key);
  if (found === undefined) {
    found = new Intl.DateTimeFormat(undefined, {
      ...(withYear ? { year: "numeric" } : {}),
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      ...(zone === undefined ? {} : { timeZone: zone }),
      ...(withZone ? { timeZoneName: "short" } : {}),
    });
    formatters.set(key, found);
  }
  return found;
}

/**
 * A date-time in the viewer's zone (the year only when it is not this year), or in `zone` with
 * the zone's name and the year.
 */
export function formatTime(value: string | number | Date, zone?: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const withYear = zone !== undefined || date.getFullYear() !== new Date().getFullYear();
  try {
    return formatter(zone, zone !== undefined, withYear).format(date);
  } catch {
    return date.toISOString();
  }
}

/** "3 min ago", "in 12 s". */
export function relativeTime(value: string | number | Date, now: number = Date.now()): string {
  const ms = new Date(value).getTime() - now;
  if (Number.isNaN(ms)) return "";
  if (Math.abs(ms) < 1000) return "now";
  const text = formatDuration(Math.abs(ms), true);
  return ms > 0 ? `in ${text}` : `${text} ago`;
}

/** A duration for a person: "450 ms", "12.3 s", "4 min 5 s", "2 h 10 min", "3 d 4 h". */
export function formatDuration(ms: number, coarse = false): string {
  if (!Number.isFinite(ms)) return "—";
  const abs = Math.abs(ms);
  const sign = ms < 0 ? "−" : "";
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) {
    const seconds = abs / 1000;
    return `${sign}${coarse || seconds >= 10 ? Math.floor(seconds) : seconds.toFixed(1)} s`;
  }
  // The largest unit and the one below it: "4 min 5 s", "2 h 10 min", "3 d".
  const index = DURATION_UNITS.findIndex(([, size]) => abs >= size);
  const [name, size] = DURATION_UNITS[index] ?? ["s", 1000];
  const count = Math.floor(abs / size);
  let text = `${count} ${name}`;
  const below = DURATION_UNITS[index + 1];
  if (below !== undefined) {
    const rest = Math.floor((abs - count * size) / below[1]);
    if (rest > 0) text += ` ${rest} ${below[0]}`;
  }
  return `${sign}${text}`;
}

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
];

/** How long a job ran (or has been running). */
export function jobDuration(
  startedAt: string | null,
  finishedAt: string | null,
  now: number = Date.now(),
): string {
  if (startedAt === null) return "—";
  const end = finishedAt === null ? now : new Date(finishedAt).getTime();
  return formatDuration(end - new Date(startedAt).getTime());
}

/** Milliseconds as the API's duration syntax where it is exact ("20s", "5m", "1h30m"). */
export function durationSpec(ms: number): string {
  const units: [string, number][] = [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ];
  let rest = ms;
  let text = "";
  for (const [name, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${name}`;
    rest -= count * size;
  }
  if (rest > 0) text += `${rest}ms`;
  return text === "" ? "0s" : text;
}

/** The zone a schedule's times are written in: a cron's own zone, otherwise UTC. */
export function scheduleZone(timing: ScheduleTiming): string {
  return timing.kind === "cron" ? timing.timezone : "UTC";
}

/** "cron 0 9 * * 1-5 (Europe/Paris)", "every 20s", "once at …", "after nightly-etl". */
export function describeTiming(timing: ScheduleTiming): string {
  switch (timing.kind) {
    case "cron":
      return `cron ${timing.expression} (${timing.timezone})`;
    case "every":
      return `every ${durationSpec(timing.intervalMs)}`;
    case "at":
      return `once at ${formatTime(timing.atMs)}`;
    case "after":
      return timing.onFailure === "skip"
        ? `after ${timing.schedule}`
        : `after ${timing.schedule} (on failure: ${timing.onFailure})`;
  }
}

/** JSON for reading: indented, `null` shown as such, undefined as a dash. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return "—";
  try {
    return JSON.stringify(value, null, 2) ?? typeof value;
  } catch {
    return typeof value;
  }
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat().format(value);
}

/** "1 run", "3 runs". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const dayClockFormat = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** "14:05" (or "Tue 14:05" with the day), in the viewer's zone: chart axes. */
export function formatClock(value: string | number | Date, withDay = false): string {
  return (withDay ? dayClockFormat : clockFormat).format(new Date(value));
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)}%`;
}
