import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import { instantsOfWallTime } from "./timezone.js";

// 2030-01-31, 2030-01-31T09:00, 2030-01-31 09:00:05.250, each optionally with Z or ±HH[:MM].
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-](?:0\d|1[0-4])(?::?[0-5]\d)?)?$/i;

/**
 * Reads a point in time: a valid Date, or an ISO 8601 string. A string without `Z` or an offset
 * is a local time in `zone`, placed like a fixed local time when DST skips or repeats it: at the
 * first instant after the gap, or at its first occurrence. Throws INVALID_SCHEDULE naming `what`.
 */
export function parseDateTime(value: unknown, zone: string, what: string): number {
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isFinite(time)) return time;
    throw invalid(what, "an invalid Date");
  }
  if (typeof value !== "string") throw invalid(what, typeof value);
  const match = DATE_TIME.exec(value.trim());
  if (match === null) throw invalid(what, shown(value));
  const [, year, month, day, hour = "0", minute = "0", second = "0", fraction = "", offset] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Number(fraction.padEnd(3, "0")));
  const exists =
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60;
  if (!exists) throw invalid(what, shown(value));
  if (offset !== undefined) return date.getTime() - offsetMs(offset);
  const resolved = instantsOfWallTime(zone, date.getTime());
  const instant = resolved.instants[0] ?? resolved.gapEnd;
  if (instant === undefined) throw invalid(what, `${shown(value)}, a time that does not exist in ${zone}`);
  return instant;
}

function offsetMs(offset: string): number {
  if (offset.toUpperCase() === "Z") return 0;
  const digits = offset.slice(1).replace(":", "");
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return (offset.startsWith("-") ? -1 : 1) * minutes * 60_000;
}

function shown(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function invalid(what: string, got: string): InvalidInputError {
  return new InvalidInputError(
    `${what} must be a Date or an ISO 8601 date-time such as "2030-01-31T09:00:00Z" or "2030-01-31T09:00" (read in the schedule's time zone); got ${got}`,
    { code: ErrorCode.InvalidSchedule, details: { option: what } },
  );
}
