// The DST rule of DESIGN.md §2, checked against an independent brute-force oracle: walk real time
// minute by minute, read each minute's wall clock from Intl, and apply the rule from first
// principles. Windows of 60 hours around every transition from 2020 to 2035, plus ordinary days.
import { afterAll, describe, expect, it } from "vitest";
import {
  fireTimesBetween,
  nextFireAt,
  resolveTiming,
  type ScheduleTiming,
} from "../../src/scheduler/next-fire.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  "America/New_York",
  "Europe/London",
  "Europe/Berlin",
  "Australia/Sydney",
  "Australia/Lord_Howe",
  "America/Santiago",
];

/** A local wall clock reading, to the minute. */
interface Wall {
  date: string;
  hour: number;
  minute: number;
}

type Rule =
  | { follows: "real time"; matches: (wall: Wall) => boolean }
  | { follows: "fixed local times"; times: [hour: number, minute: number][] };

/** Fixed local times: `minute` past each of `hours`. */
const fixed = (minute: number, ...hours: number[]): Rule => ({
  follows: "fixed local times",
  times: hours.map((hour): [number, number] => [hour, minute]),
});
const realTime = (matches: (wall: Wall) => boolean): Rule => ({ follows: "real time", matches });

const SCHEDULES: [cron: string, rule: Rule][] = [
  ["30 2 * * *", fixed(30, 2)],
  ["0 2 * * *", fixed(0, 2)],
  ["30 1 * * *", fixed(30, 1)],
  ["*/15 * * * *", realTime((wall) => wall.minute % 15 === 0)],
  ["0 * * * *", realTime((wall) => wall.minute === 0)],
  // A range, and a step without `*`, in the hour field are fixed local times too.
  ["0 1-3 * * *", fixed(0, 1, 2, 3)],
  ["0 0-23/2 * * *", fixed(0, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22)],
  // Midnight: America/Santiago springs forward from 00:00 to 01:00.
  ["@daily", fixed(0, 0)],
  // A wildcard minute follows real time even when the hour is fixed.
  ["*/20 1 * * *", realTime((wall) => wall.hour === 1 && wall.minute % 20 === 0)],
];

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(zone: string, instant: number): Wall {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(zone, formatter);
  }
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instant)) parts[part.type] = part.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/** Minutes between the wall clock and UTC at `instant`. */
function offsetMinutes(zone: string, instant: number): number {
  const wall = wallClock(zone, instant);
  const [year, month, day] = wall.date.split("-").map(Number) as [number, number, number];
  return (Date.UTC(year, month - 1, day, wall.hour, wall.minute) - instant) / MINUTE;
}

/** The hours (UTC, on the hour) at which the offset changes in `year`: day by day, then hour by hour. */
function transitionHours(zone: string, year: number): number[] {
  const hours: number[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  for (let day = Date.UTC(year, 0, 1); day < end; day += DAY) {
    if (offsetMinutes(zone, day) === offsetMinutes(zone, day + DAY)) continue;
    for (let hour = day; hour < day + DAY; hour += HOUR) {
      if (offsetMinutes(zone, hour) !== offsetMinutes(zone, hour + HOUR)) hours.push(hour);
    }
  }
  return hours;
}

interface WalkedMinute {
  instant: number;
  wall: Wall;
}

/** Every real minute of `[from, to)` with its wall clock. */
function walk(zone: string, from: number, to: number): WalkedMinute[] {
  const minutes: WalkedMinute[] = [];
  for (let instant = from; instant < to; instant += MINUTE)
    minutes.push({ instant, wall: wallClock(zone, instant) });
  return minutes;
}

const later = (wall: Wall, [hour, minute]: [number, number]) =>
  wall.hour > hour || (wall.hour === hour && wall.minute > minute);

/** The fire times of `rule` in a window, from its minutes grouped by local date. */
function oracleFires(rule: Rule, dates: WalkedMinute[][]): number[] {
  if (rule.follows === "real time") {
    return dates
      .flat()
      .filter((m) => rule.matches(m.wall))
      .map((m) => m.instant);
  }
  const fires = new Set<number>();
  for (const ofDate of dates) {
    for (const time of rule.times) {
      const occurs = ofDate.find((m) => m.wall.hour === time[0] && m.wall.minute === time[1]);
      // Not on the clock that date: a gap swallowed it; fire at the first minute after the gap.
      const fire = occurs ?? ofDate.find((m) => later(m.wall, time));
      if (fire !== undefined) fires.add(fire.instant);
    }
  }
  return [...fires].sort((a, b) => a - b);
}

/** The local dates wholly inside `[from, to)`, each as its minutes. */
function wholeDates(zone: string, from: number, to: number): WalkedMinute[][] {
  const dates: WalkedMinute[][] = [];
  // One minute more on each side shows whether the first and last dates are whole.
  for (const m of walk(zone, from - MINUTE, to + MINUTE)) {
    const current = dates.at(-1);
    if (current?.[0]?.wall.date === m.wall.date) current.push(m);
    else dates.push([m]);
  }
  return dates.slice(1, -1);
}

interface Window {
  label: string;
  dates: WalkedMinute[][];
  /** The first and last minute of the whole dates: the oracle knows every fire in between. */
  first: number;
  last: number;
  transitionHour: number | null;
  /** The oracle's fire times, by cron expression. */
  expected: Map<string, number[]>;
}

function windowOf(
  zone: string,
  label: string,
  from: number,
  to: number,
  transitionHour: number | null,
): Window {
  const dates = wholeDates(zone, from, to);
  const first = dates[0]?.[0]?.instant as number;
  const last = dates.at(-1)?.at(-1)?.instant as number;
  const expected = new Map(SCHEDULES.map(([cron, rule]) => [cron, oracleFires(rule, dates)]));
  return { label: `${zone} ${label}`, dates, first, last, transitionHour, expected };
}

function windowsOf(zone: string): Window[] {
  const windows: Window[] = [];
  for (let year = 2020; year <= 2035; year++) {
    for (const hour of transitionHours(zone, year)) {
      windows.push(windowOf(zone, new Date(hour).toISOString(), hour - 30 * HOUR, hour + 30 * HOUR, hour));
    }
    for (const day of [Date.UTC(year, 0, 10), Date.UTC(year, 5, 20)]) {
      windows.push(
        windowOf(zone, `ordinary ${new Date(day).toISOString().slice(0, 10)}`, day, day + 2 * DAY, null),
      );
    }
  }
  return windows;
}

const compared = { fires: 0, startingPoints: 0, windows: 0 };

afterAll(() => {
  console.log(
    `DST matrix: ${compared.fires} fire times in ${compared.windows} windows, and the next fire from ${compared.startingPoints} instants near transitions, matched the oracle`,
  );
});

describe.each(ZONES)("DST matrix in %s, 2020–2035", (zone) => {
  const windows = windowsOf(zone);

  it("finds two transitions a year", () => {
    expect(windows.filter((w) => w.transitionHour !== null)).toHaveLength(32);
  });

  it("walks through skipped and repeated wall times", () => {
    const quartersPerDate = windows.flatMap((w) =>
      w.dates.map((date) => date.filter((m) => m.wall.minute % 15 === 0).length),
    );
    expect(Math.min(...quartersPerDate)).toBeLessThan(96);
    expect(Math.max(...quartersPerDate)).toBeGreaterThan(96);
  });

  it.each(SCHEDULES.map(([cron]) => cron))("fires %s exactly when the brute-force oracle does", (cron) => {
    const timing: ScheduleTiming = resolveTiming({ cron, timezone: zone }, Date.UTC(2020, 0, 1));
    const mismatches: string[] = [];
    for (const window of windows) {
      const expected = window.expected.get(cron) as number[];
      const actual = fireTimesBetween(timing, window.first - 1, window.last, 10_000);
      if (actual.join() !== expected.join()) {
        mismatches.push(`${window.label}: expected ${iso(expected)}, got ${iso(actual)}`);
      }
      compared.fires += expected.length;
      compared.windows += 1;
    }
    expect(mismatches).toEqual([]);
  });

  it.each(SCHEDULES.map(([cron]) => cron))(
    "finds the next fire of %s from any instant near a transition",
    (cron) => {
      const timing = resolveTiming({ cron, timezone: zone }, Date.UTC(2020, 0, 1));
      const mismatches: string[] = [];
      for (const window of windows) {
        if (window.transitionHour === null) continue;
        const expected = window.expected.get(cron) as number[];
        const lastFire = expected.at(-1) ?? window.first;
        // Every 7 min 13 s through the six hours around the change: whole minutes and odd instants.
        for (
          let from = window.transitionHour - 3 * HOUR;
          from < window.transitionHour + 3 * HOUR;
          from += 433_000
        ) {
          if (from < window.first || from >= lastFire) continue;
          const want = expected.find((fire) => fire > from);
          const got = nextFireAt(timing, from);
          if (got !== want)
            mismatches.push(`after ${iso([from])}: expected ${iso([want ?? NaN])}, got ${iso([got ?? NaN])}`);
          compared.startingPoints += 1;
        }
      }
      expect(mismatches).toEqual([]);
    },
  );
});

function iso(instants: number[]): string {
  return instants
    .map((instant) => (Number.isNaN(instant) ? "none" : new Date(instant).toISOString()))
    .join(", ");
}
