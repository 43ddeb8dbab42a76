import { OnDependencyFailure } from "../domain/dependencies.js";
import type { ScheduleTiming } from "../domain/schedule.js";
import { parseDuration, type Duration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import { compileCron, neverFiresReason, nextWallMatch, type CompiledCron } from "./cron-expression.js";
import { parseDateTime } from "./date-time.js";
import {
  fallBackWithinADayAfter,
  instantsOfWallTime,
  isKnownTimeZone,
  offsetAt,
  secondPassContaining,
} from "./timezone.js";

/*
 * When a schedule fires — pure functions of the schedule and a reference instant (epoch ms).
 *
 * DST rule (the one Vixie cron made familiar; users rely on it, DESIGN.md §2):
 *
 * - A cron whose minute or hour field starts with `*` (or `?`, croner's alias for it), such as
 *   `* * * * *`, `*\/15 * * * *`, `0 * * * *`, `0 *\/2 * * *` or `@hourly`, FOLLOWS REAL TIME: it
 *   fires at every real instant whose local wall clock matches. In a repeated hour (fall back) it
 *   fires on both passes; in a skipped hour (spring forward) it does not fire.
 * - Any other cron is a FIXED LOCAL TIME, lists and ranges included (`30 2 * * *`, `0 1-3 * * *`,
 *   `0 9,17 * * MON-FRI`, `@daily`), whatever its seconds field says. Each local time it names
 *   fires once:
 *   - if the time falls in a spring-forward gap, at the first valid instant after the gap (03:00
 *     for a 02:00–03:00 gap; 02:30 for Australia/Lord_Howe, whose clock jumps 02:00 → 02:30).
 *     Several times in the same gap therefore fire once, together;
 *   - if the time occurs twice in a fall back, at its first occurrence only.
 * - `every` keeps real elapsed cadence (anchor + k·interval), whatever the zone.
 * - `at` fires once; a local `at` time in a gap or a repeat is placed as a fixed local time.
 * - `after` has no fire times of its own: it follows another schedule's occurrences.
 *
 * Croner does the calendar math (fields, L, W, #, nicknames, years) on wall times at UTC offset 0;
 * this module maps wall times to instants (timezone.ts). Croner has DST handling of its own, but
 * even with `fixedTimeRule: "no-wildcard"` it files a seconds wildcard (`*\/20 30 2 * * *`) or a
 * step without `*` (`0 0-23/2 * * *`) under interval jobs, which skip gaps and fire twice in a
 * repeat. So it is not used: one rule, in one place, checked against a brute-force oracle
 * (test/unit/dst-matrix.test.ts).
 */

export type { ScheduleTiming };

export interface ScheduleTimingInput {
  /** A cron expression in croner syntax: 5 fields, or 6 with seconds first, or 7 with a year last. */
  cron?: string;
  /** A fixed interval, at least 1 s; fires at `startAt` (or creation) + k·interval, k ≥ 0. */
  every?: Duration;
  /** A one-off time. A string without offset (`2030-01-31T09:00`) is read in `timezone`. */
  at?: Date | string;
  /**
   * The id of the schedule this one follows, or `{ schedule, onFailure }`: each occurrence of that
   * schedule brings one of this one, run once that occurrence's run ends. `onFailure` says what it
   * does when that run ended other than succeeded. @defaultValue onFailure "skip"
   */
  after?: string | { schedule: string; onFailure?: OnDependencyFailure };
  /** IANA time zone for `cron` and offset-less strings. @defaultValue "UTC" */
  timezone?: string;
  /**
   * The anchor of `every` (read like `at`). Only `every` uses it here: start and end dates of a
   * cron are the fire loop's business. @defaultValue the creation time (`nowMs`)
   */
  startAt?: Date | string;
}

const MIN_INTERVAL_MS = 1000;

/**
 * Validates a schedule's timing and resolves it to the form the fire loop stores: exactly one of
 * `cron`, `every`, `at` or `after`. `nowMs` is the creation time: the anchor of `every` when no
 * `startAt` is given, and the instant after which a cron must have a fire time.
 */
export function resolveTiming(input: ScheduleTimingInput, nowMs: number): ScheduleTiming {
  assertInstant(nowMs);
  const given = (["cron", "every", "at", "after"] as const).filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    throw new InvalidInputError(
      `a schedule needs exactly one of cron, every, at or after; got ${given.length === 0 ? "none" : given.join(" and ")}`,
      { code: ErrorCode.InvalidSchedule, details: { given } },
    );
  }
  if (input.after !== undefined) return resolveAfter(input.after);
  const timezone = resolveTimezone(input.timezone);
  if (input.cron !== undefined) return resolveCron(input.cron, timezone, nowMs);
  if (input.every !== undefined) {
    const intervalMs = parseDuration(input.every, "every");
    if (intervalMs < MIN_INTERVAL_MS) {
      throw new InvalidInputError(`every must be at least 1s; got ${intervalMs} ms`, {
        code: ErrorCode.InvalidSchedule,
        details: { every: input.every },
      });
    }
    const anchorMs = input.startAt === undefined ? nowMs : parseDateTime(input.startAt, timezone, "startAt");
    return { kind: "every", intervalMs, anchorMs };
  }
  return { kind: "at", atMs: parseDateTime(input.at, timezone, "at") };
}

const SCHEDULE_ID = /^[A-Za-z0-9_.:\-/]{1,200}$/;
const ON_FAILURE: readonly string[] = Object.values(OnDependencyFailure);

function resolveAfter(after: unknown): ScheduleTiming {
  const given = typeof after === "string" ? { schedule: after } : after;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new InvalidInputError(
      'after must be a schedule id or { schedule, onFailure }, e.g. after: "nightly-etl"',
      { code: ErrorCode.InvalidSchedule, details: { option: "after" } },
    );
  }
  const { schedule, onFailure = OnDependencyFailure.Skip } = given as {
    schedule?: unknown;
    onFailure?: unknown;
  };
  if (typeof schedule !== "string" || !SCHEDULE_ID.test(schedule)) {
    throw new InvalidInputError(
      `after names ${JSON.stringify(schedule ?? null)}, which is not a schedule id (1-200 letters, digits and _ . : - /)`,
      { code: ErrorCode.InvalidSchedule, details: { option: "after" } },
    );
  }
  if (typeof onFailure !== "string" || !ON_FAILURE.includes(onFailure)) {
    throw new InvalidInputError(
      `after.onFailure must be one of ${ON_FAILURE.join(", ")}; got ${JSON.stringify(onFailure)}`,
      { code: ErrorCode.InvalidSchedule, details: { option: "after.onFailure" } },
    );
  }
  return { kind: "after", schedule, onFailure: onFailure as OnDependencyFailure };
}

function resolveTimezone(timezone: unknown): string {
  if (timezone === undefined) return "UTC";
  // Names only: Intl would also take offsets such as "+05:00", which have no DST and no name.
  if (
    typeof timezone !== "string" ||
    !/^[A-Za-z][A-Za-z0-9_+\-/]{0,99}$/.test(timezone) ||
    !isKnownTimeZone(timezone)
  ) {
    const shown = typeof timezone === "string" ? JSON.stringify(timezone) : typeof timezone;
    throw new InvalidInputError(
      `unknown time zone ${shown}; use an IANA name such as "UTC", "Europe/Berlin" or "America/New_York"`,
      { code: ErrorCode.InvalidTimezone, details: { timezone: shown } },
    );
  }
  return timezone;
}

function resolveCron(expression: unknown, timezone: string, nowMs: number): ScheduleTiming {
  if (typeof expression !== "string") {
    throw new InvalidInputError(`cron must be a string such as "*/5 * * * *"; got ${typeof expression}`, {
      code: ErrorCode.InvalidCron,
    });
  }
  const trimmed = expression.trim();
  const compiled = compileCron(trimmed);
  const timing: ScheduleTiming = { kind: "cron", expression: trimmed, timezone };
  if (nextFireAt(timing, nowMs) === null) {
    const reason =
      neverFiresReason(compiled.pattern) ??
      `it has no fire time after ${new Date(nowMs).toISOString()} (searched to the year 9999)`;
    throw new InvalidInputError(`cron '${trimmed}' never fires: ${reason}`, {
      code: ErrorCode.ScheduleNeverFires,
      details: { cron: trimmed, timezone },
    });
  }
  return timing;
}

/** The first fire time strictly after `afterMs`, or null when there is none. */
export function nextFireAt(timing: ScheduleTiming, afterMs: number): number | null {
  assertInstant(afterMs);
  switch (timing.kind) {
    case "after":
      return null;
    case "at":
      return timing.atMs > afterMs ? timing.atMs : null;
    case "every": {
      if (afterMs < timing.anchorMs) return timing.anchorMs;
      const intervals = Math.floor((afterMs - timing.anchorMs) / timing.intervalMs) + 1;
      return timing.anchorMs + intervals * timing.intervalMs;
    }
    case "cron": {
      const compiled = compileCron(timing.expression);
      return compiled.followsRealTime
        ? nextRealTimeFire(compiled, timing.timezone, afterMs)
        : nextFixedTimeFire(compiled, timing.timezone, afterMs);
    }
  }
}

/** Fire times in `(fromExclusiveMs, toInclusiveMs]`, ascending, at most `limit` of them. */
export function fireTimesBetween(
  timing: ScheduleTiming,
  fromExclusiveMs: number,
  toInclusiveMs: number,
  limit: number,
): number[] {
  assertLimit(limit);
  const times: number[] = [];
  let at = nextFireAt(timing, fromExclusiveMs);
  while (at !== null && at <= toInclusiveMs && times.length < limit) {
    times.push(at);
    at = nextFireAt(timing, at);
  }
  return times;
}

/** The next `n` fire times after `afterMs`, ascending (fewer when the schedule ends). */
export function previewFireTimes(timing: ScheduleTiming, afterMs: number, n: number): number[] {
  return fireTimesBetween(timing, afterMs, Number.POSITIVE_INFINITY, n);
}

function assertInstant(ms: number): void {
  if (!Number.isFinite(ms)) {
    throw new InvalidInputError(`a reference time must be a finite number of ms since the epoch; got ${ms}`, {
      code: ErrorCode.InvalidOption,
    });
  }
}

function assertLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new InvalidInputError(`the number of fire times must be a whole number >= 0; got ${limit}`, {
      code: ErrorCode.InvalidOption,
    });
  }
}

/**
 * Real time: the earliest instant after `after` whose wall time matches. Walls after the current
 * wall time are visited in order; the only earlier walls that can still come round are those a
 * fall back within the next hours repeats.
 */
function nextRealTimeFire(compiled: CompiledCron, zone: string, after: number): number | null {
  const wallNow = after + offsetAt(zone, after);
  let best: number | null = null;
  const repeat = fallBackWithinADayAfter(zone, after);
  if (repeat !== null && repeat.fromWall <= wallNow) {
    const wall = nextWallMatch(compiled, repeat.fromWall - 1);
    if (wall !== null && wall <= wallNow) best = repeat.at + (wall - repeat.fromWall);
  }
  for (let wall = nextWallMatch(compiled, wallNow); wall !== null; wall = nextWallMatch(compiled, wall)) {
    const resolved = instantsOfWallTime(zone, wall);
    const instant = resolved.instants.find((candidate) => candidate > after);
    if (instant !== undefined) return best === null ? instant : Math.min(best, instant);
    // A wall time in a gap never shows on the clock: skip the rest of the gap at once.
    if (resolved.gapEndWall !== undefined) wall = Math.max(wall, resolved.gapEndWall - 1);
  }
  return best;
}

/**
 * Fixed local time: each matching wall time fires at its first instant, or at the end of the gap
 * that swallows it. That map is monotone, so the answer is the first matching wall time after the
 * current one — after the end of the repeat when `after` lies in a second pass.
 */
function nextFixedTimeFire(compiled: CompiledCron, zone: string, after: number): number | null {
  let wall = after + offsetAt(zone, after);
  const repeat = secondPassContaining(zone, after);
  if (repeat !== null) wall = Math.max(wall, repeat.toWall - 1);
  for (let next = nextWallMatch(compiled, wall); next !== null; next = nextWallMatch(compiled, next)) {
    const resolved = instantsOfWallTime(zone, next);
    const instant = resolved.instants[0] ?? resolved.gapEnd;
    if (instant !== undefined && instant > after) return instant;
  }
  return null;
}
