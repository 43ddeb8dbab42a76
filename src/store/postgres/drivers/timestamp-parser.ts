import pg from "pg";

const TIMESTAMPTZ_OID = 1184;
const defaultTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, "text") as (text: string) => unknown;

const DIGIT_0 = 48;
const MINUS = 45;
const PLUS = 43;
const COLON = 58;
const DOT = 46;
const SPACE = 32;

/**
 * Parses a `timestamptz` as PostgreSQL writes it in text with DateStyle ISO
 * (`2026-12-06 22:45:32.665622+00`, offsets like `+05:30` or `-03:00:15`), to the same Date
 * `pg`'s own parser gives (the fraction truncated to milliseconds). Anything else (a year
 * past 9999, BC, infinity, another DateStyle) goes to `pg`'s parser.
 *
 * A claim returns several timestamps per job for hundreds of jobs: `pg`'s parser, a few
 * regular expressions per value, was the costliest single function of a worker's claim path.
 */
export function parseTimestamptz(text: string): unknown {
  const length = text.length;
  if (
    length < 22 ||
    text.charCodeAt(4) !== MINUS ||
    text.charCodeAt(7) !== MINUS ||
    text.charCodeAt(10) !== SPACE ||
    text.charCodeAt(13) !== COLON ||
    text.charCodeAt(16) !== COLON
  )
    return defaultTimestamptz(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if ((year | month | day | hour | minute | second) < 0 || year < 1000) return defaultTimestamptz(text);
  let i = 19;
  let ms = 0;
  if (text.charCodeAt(i) === DOT) {
    i++;
    let scale = 100;
    while (i < length) {
      const d = text.charCodeAt(i) - DIGIT_0;
      if (d < 0 || d > 9) break;
      ms += d * scale;
      scale /= 10;
      i++;
    }
    ms = Math.trunc(ms);
  }
  const sign = text.charCodeAt(i);
  if (sign !== PLUS && sign !== MINUS) return defaultTimestamptz(text);
  // ±HH, then :MM and :SS when given
  let offsetSeconds = 0;
  for (let part = 0, unit = 3600; part < 3 && i < length; part++, unit /= 60) {
    if (part > 0 && text.charCodeAt(i) !== COLON) return defaultTimestamptz(text);
    const value = digits(text, i + 1, 2);
    if (value < 0) return defaultTimestamptz(text);
    offsetSeconds += value * unit;
    i += 3;
  }
  if (i !== length) return defaultTimestamptz(text);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return new Date(utc - (sign === PLUS ? offsetSeconds : -offsetSeconds) * 1000);
}

/** The number written by `count` ASCII digits at `start`; negative if any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** `pg`'s type parsers, with timestamptz parsed by parseTimestamptz. */
export const PG_TYPES = {
  getTypeParser(oid: number, format?: "text" | "binary"): (value: string) => unknown {
    if (oid === TIMESTAMPTZ_OID && format !== "binary") return parseTimestamptz;
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};
