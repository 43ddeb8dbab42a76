import { Cron } from "croner";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";

/**
 * Cron expressions, parsed by croner and matched against wall times (local date and time encoded
 * as if UTC, see timezone.ts). Croner runs at UTC offset 0 here, so it does pure calendar math;
 * next-fire.ts maps the wall times it finds to real instants under TaskFlow's DST rule.
 */

/** A parsed expression. */
export interface CompiledCron {
  /** The expression with nicknames expanded (`@daily` → `0 0 * * *`). */
  pattern: string;
  /**
   * True when the minute or hour field starts with `*` (or its alias `?`): the schedule follows
   * real time through DST changes. Otherwise it is a fixed local time. See next-fire.ts.
   */
  followsRealTime: boolean;
  cron: Cron;
}

const MAX_EXPRESSION_LENGTH = 256;
const compiled = new Map<string, CompiledCron>();

/** Parses `expression` (cached), or throws INVALID_CRON with a reason a person understands. */
export function compileCron(expression: string): CompiledCron {
  const cached = compiled.get(expression);
  if (cached !== undefined) return cached;
  if (expression.length > MAX_EXPRESSION_LENGTH || expression.includes("\0"))
    throw invalidCron(expression, `it must be at most ${MAX_EXPRESSION_LENGTH} characters, without NUL`);
  let cron: Cron;
  try {
    cron = new Cron(expression, { utcOffset: 0 });
  } catch (error) {
    throw invalidCron(expression, explainCronerError(error), error);
  }
  const pattern = cron.getPattern();
  // Croner reads an ISO 8601 date as a one-off job; a schedule has `at` for that.
  if (pattern === undefined) throw invalidCron(expression, "it is a date; use `at` for a one-off time");
  const fields = pattern.trim().split(/\s+/);
  const [minute, hour] = fields.length >= 6 ? [fields[1], fields[2]] : [fields[0], fields[1]];
  const wild = (field: string | undefined) => field !== undefined && /^[*?]/.test(field);
  const entry = { pattern, followsRealTime: wild(minute) || wild(hour), cron };
  if (compiled.size >= 1000) compiled.delete(compiled.keys().next().value as string);
  compiled.set(expression, entry);
  return entry;
}

/** The first wall time (a whole second) strictly after `wall` that the expression matches. */
export function nextWallMatch(compiledCron: CompiledCron, wall: number): number | null {
  return compiledCron.cron.nextRun(new Date(wall))?.getTime() ?? null;
}

function invalidCron(expression: string, reason: string, cause?: unknown): InvalidInputError {
  const shown = (expression.length > 80 ? `${expression.slice(0, 80)}…` : expression).replace(/\0/g, "\\0");
  return new InvalidInputError(
    `invalid cron expression '${shown}': ${reason}. Expected 5 fields (minute hour day-of-month ` +
      "month day-of-week), optionally a leading seconds field and a trailing year field, or a " +
      "nickname such as @daily",
    { code: ErrorCode.InvalidCron, cause, details: { cron: shown } },
  );
}

/** Croner's message, without its prefix, and with day and month values as the user wrote them. */
function explainCronerError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern:\s*/, "");
  const outOfRange = /^Invalid value for (day|month|nearestWeekdays): (-?\d+)$/.exec(message);
  if (outOfRange === null) return message;
  // Croner reports these fields counted from 0.
  const value = Number(outOfRange[2]) + 1;
  return outOfRange[1] === "month"
    ? `month ${value} is out of range 1-12`
    : `day of month ${value} is out of range 1-31`;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Why an expression that never fires never does, when its day-of-month and month fields alone
 * explain it ("February has no 30th"); null when the reason is something else.
 */
export function neverFiresReason(pattern: string): string | null {
  const fields = pattern.trim().split(/\s+/);
  const offset = fields.length >= 6 ? 1 : 0;
  const [dayField, monthField, weekdayField] = fields.slice(offset + 2, offset + 5);
  if (weekdayField === undefined || !/^[*?]$/.test(weekdayField)) return null;
  const days = listOfNumbers(dayField);
  const months = listOfNumbers(monthField?.toUpperCase().replace(/[A-Z]{3}/g, monthNumber));
  if (days === null || months === null) return null;
  if (months.some((month) => days.some((day) => day <= (DAYS_IN_MONTH[month - 1] ?? 0)))) return null;
  const monthNames = months.map((month) => MONTHS[month - 1] ?? String(month));
  if (days.length === 1)
    return `${joinAnd(monthNames)} ${months.length === 1 ? "has" : "have"} no ${ordinal(days[0] as number)}`;
  return `${joinAnd(monthNames)} ${months.length === 1 ? "has" : "have"} none of the days ${days.join(", ")}`;
}

function monthNumber(name: string): string {
  const index = MONTH_NAMES.indexOf(name);
  return index < 0 ? name : String(index + 1);
}

function listOfNumbers(field: string | undefined): number[] | null {
  if (field === undefined || !/^\d+(,\d+)*$/.test(field)) return null;
  return field.split(",").map(Number);
}

function joinAnd(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

function ordinal(day: number): string {
  const suffix =
    day % 10 === 1 && day !== 11
      ? "st"
      : day % 10 === 2 && day !== 12
        ? "nd"
        : day % 10 === 3 && day !== 13
          ? "rd"
          : "th";
  return `${day}${suffix}`;
}
