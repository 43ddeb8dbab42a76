import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { ExclusionCalendar, ScheduleTiming } from "../domain/schedule.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Accepts dates (`"2030-12-25"`) and ranges (`{ from: "2030-12-24", to: "2030-12-26" }`). */
export function resolveCalendar(
  name: string,
  entries: (string | { from: string; to: string })[],
): ExclusionCalendar {
  if (typeof name !== "string" || !/^[A-Za-z0-9_.:\-/]{1,200}$/.test(name)) {
    throw invalid(
      `calendar name must be 1-200 characters of letters, digits and _ . : - /; got ${JSON.stringify(name)}`,
    );
  }
  if (!Array.isArray(entries)) throw invalid("a calendar needs an array of dates or {from, to} ranges");
  const ranges = entries.map((entry) => {
    const range = typeof entry === "string" ? { from: entry, to: entry } : entry;
    if (!isDate(range?.from) || !isDate(range?.to)) {
      throw invalid(
        `calendar ${name}: ${JSON.stringify(entry)} is not a date YYYY-MM-DD or a {from, to} range of them`,
      );
    }
    if (range.to < range.from)
      throw invalid(`calendar ${name}: range ${range.from}..${range.to} ends before it starts`);
    return { from: range.from, to: range.to };
  });
  return { name, ranges };
}

/** Whether the occurrence's local date (in the schedule's zone; UTC for intervals) is excluded. */
export function isExcluded(calendars: ExclusionCalendar[], timing: ScheduleTiming, fireAt: number): boolean {
  if (calendars.length === 0) return false;
  const zone = timing.kind === "cron" ? timing.timezone : "UTC";
  const date = localDate(fireAt, zone);
  return calendars.some((calendar) =>
    calendar.ranges.some((range) => range.from <= date && date <= range.to),
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localDate(at: number, zone: string): string {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formatters.set(zone, format);
  }
  return format.format(at);
}

function isDate(value: unknown): value is string {
  if (typeof value !== "string" || !DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(message, {
    code: ErrorCode.InvalidSchedule,
    details: { option: "calendars" },
  });
}
