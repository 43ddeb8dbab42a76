/**
 * Wall clocks of IANA time zones, from the runtime's Intl data: the UTC offset at an instant, the
 * instant an offset changes, and the real instants a local wall time maps to.
 *
 * A "wall time" is a local date and time encoded as if it were UTC: `Date.UTC(y, m, d, h, mi, s)`.
 * At an instant `t` the wall time is `t + offsetAt(zone, t)`.
 *
 * Transitions are found by probing offsets a day apart and bisecting to the second, so this
 * assumes a zone changes its offset at most once in any two days: true of every zone's DST rules.
 */

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    // A handful of zones exist; the bound only guards against a flood of distinct spellings.
    if (formatters.size >= 1000) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** True when the runtime knows `zone` as a time zone name. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

// What the en-US formatter prints, e.g. "11/14/2023 AD, 23:13:20".
const PRINTED = /^(\d+)\/(\d+)\/(\d+) (AD|BC), (\d+):(\d+):(\d+)$/;

/** The zone's UTC offset at instant `at`, in milliseconds (wall time = at + offset). */
export function offsetAt(zone: string, at: number): number {
  const second = Math.floor(at / 1000) * 1000;
  const formatter = formatterFor(zone);
  // format() is four times faster than formatToParts(), which stays as the fallback.
  const printed = PRINTED.exec(formatter.format(second));
  const [month, day, year, era, hour, minute, sec] =
    printed === null ? fieldsOf(formatter.formatToParts(second)) : printed.slice(1);
  const wall = new Date(0);
  wall.setUTCFullYear(era === "BC" ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  wall.setUTCHours(Number(hour), Number(minute), Number(sec), 0);
  return wall.getTime() - second;
}

function fieldsOf(parts: Intl.DateTimeFormatPart[]): string[] {
  const value = (type: string) => parts.find((part) => part.type === type)?.value ?? "0";
  return [
    value("month"),
    value("day"),
    value("year"),
    value("era"),
    value("hour"),
    value("minute"),
    value("second"),
  ];
}

/**
 * The first instant (a whole second) in `(from, to]` whose offset differs from the offset at
 * `from`. The caller knows the offsets at `from` and `to` differ.
 */
export function findTransition(zone: string, from: number, to: number): number {
  const before = offsetAt(zone, from);
  let low = Math.floor(from / 1000);
  let high = Math.floor(to / 1000);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(zone, middle * 1000) === before) low = middle;
    else high = middle;
  }
  return high * 1000;
}

/** The real instants at which a zone's clock shows a given wall time. */
export interface WallTimeInstants {
  /** Ascending: one instant normally, two when the time repeats (fall back), none in a gap. */
  instants: number[];
  /** When the wall time falls in a gap (spring forward): the first instant after the gap. */
  gapEnd?: number;
  /** When the wall time falls in a gap: the first wall time after the gap. */
  gapEndWall?: number;
}

/** The instants at which `zone`'s clock shows the wall time `wall`. */
export function instantsOfWallTime(zone: string, wall: number): WallTimeInstants {
  // Offsets never exceed a day, so the offsets a day either side bracket every candidate.
  const before = offsetAt(zone, wall - DAY_MS);
  const after = offsetAt(zone, wall + DAY_MS);
  const candidates = before === after ? [wall - before] : [wall - before, wall - after].sort((a, b) => a - b);
  const instants = candidates.filter((instant) => instant + offsetAt(zone, instant) === wall);
  if (instants.length > 0 || before >= after) return { instants };
  const gapEnd = findTransition(zone, wall - after, wall - before);
  return { instants, gapEnd, gapEndWall: gapEnd + offsetAt(zone, gapEnd) };
}

/** A fall-back transition: the wall times in `[fromWall, toWall)` occur twice. */
export interface RepeatedWallTimes {
  /** The instant the clock goes back: the second pass starts here. */
  at: number;
  fromWall: number;
  toWall: number;
}

/** The fall-back transition in `(from, to]`, if the offset at `to` is smaller than at `from`. */
export function fallBackBetween(zone: string, from: number, to: number): RepeatedWallTimes | null {
  const before = offsetAt(zone, from);
  const after = offsetAt(zone, to);
  if (after >= before) return null;
  const at = findTransition(zone, from, to);
  return { at, fromWall: at + offsetAt(zone, at), toWall: at + before };
}

/** The fall-back whose second pass contains `instant`, if any. */
export function secondPassContaining(zone: string, instant: number): RepeatedWallTimes | null {
  const repeat = fallBackBetween(zone, instant - DAY_MS, instant);
  return repeat !== null && instant < repeat.at + (repeat.toWall - repeat.fromWall) ? repeat : null;
}

/** The fall-back in the day after `instant`, if any. */
export function fallBackWithinADayAfter(zone: string, instant: number): RepeatedWallTimes | null {
  return fallBackBetween(zone, instant, instant + DAY_MS);
}
