import { ErrorCode, InvalidInputError } from "./errors.js";

/**
 * A span of time: a number of milliseconds, or a string such as `"500ms"`, `"30s"`, `"5m"`,
 * `"1h30m"`, `"2d"`.
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/** Parses a duration into whole milliseconds; `what` names the option in the error message. */
export function parseDuration(value: Duration, what = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw invalid(what, value);
    return Math.round(value);
  }
  if (typeof value !== "string") throw invalid(what, value);
  const text = value.trim();
  if (text === "") throw invalid(what, value);
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  for (let match = PART.exec(text); match !== null; match = PART.exec(text)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    consumed = PART.lastIndex;
  }
  if (consumed !== text.length || !Number.isFinite(total)) throw invalid(what, value);
  return Math.round(total);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function invalid(what: string, value: unknown): InvalidInputError {
  return new InvalidInputError(
    `${what} must be a number of milliseconds >= 0 or a string like "500ms", "30s", "5m", "1h30m", "2d"; got ${describe(value)}`,
    { code: ErrorCode.InvalidDuration, details: { option: what } },
  );
}
