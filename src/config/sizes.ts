import { ErrorCode, InvalidInputError } from "../domain/errors.js";

/** A number of bytes, or a string such as `"512kb"`, `"1mb"`, `"1.5gb"` (1kb = 1024 bytes). */
export type Size = number | string;

const UNIT_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
export const SIZE_PATTERN = "^\\s*\\d+(?:\\.\\d+)?\\s*(?:[bB]|[kKmMgG][bB])\\s*$";
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*([bB]|[kKmMgG][bB])\s*$/;

/** Parses a size into whole bytes; `what` names the field in the error message. */
export function parseSize(value: Size, what = "size"): number {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0 && Number.isSafeInteger(value)) return value;
    throw invalid(what, value);
  }
  const match = typeof value === "string" ? SIZE.exec(value) : null;
  if (match === null) throw invalid(what, value);
  const bytes = Math.round(Number(match[1]) * (UNIT_BYTES[(match[2] as string).toLowerCase()] as number));
  if (!Number.isSafeInteger(bytes)) throw invalid(what, value);
  return bytes;
}

function invalid(what: string, value: unknown): InvalidInputError {
  return new InvalidInputError(
    `${what} must be a whole number of bytes or a size like "512kb", "1mb", "1gb"; got ${JSON.stringify(value) ?? typeof value}`,
    { code: ErrorCode.InvalidOption, details: { option: what } },
  );
}
