import { ErrorCode, InvalidInputError, PermanentError, type TaskFlowErrorOptions } from "../domain/errors.js";

/**
 * A failure that retrying cannot fix (a refused HTTP target, a disabled shell executor), with
 * its own code. The worker sends any `PermanentError` straight to `dead`; this subclass only
 * replaces the generic `PERMANENT_FAILURE` code with the executor's.
 */
export class PermanentExecutorError extends PermanentError {
  override readonly code: ErrorCode;
  override readonly details: Record<string, unknown>;

  constructor(message: string, options: TaskFlowErrorOptions) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = options.code;
    this.details = options.details ?? {};
  }
}

/** A bad field in an executor spec or settings; `details.option` names it. */
export function invalidOption(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option } });
}

/** A plain object (not an array, not null), as YAML and JSON give for a mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Refuses fields the spec does not know, so a typo (`comand:`) is an error, not a silent default. */
export function rejectUnknownFields(
  raw: Record<string, unknown>,
  known: readonly string[],
  what: string,
): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw invalidOption(key, `${what} has no field "${key}"; known fields: ${known.join(", ")}`);
    }
  }
}

/** A whole number in [min, max], or undefined when absent. */
export function optionalInteger(
  raw: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  unit: string,
): number | undefined {
  const value = raw[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(
      name,
      `${name} must be a whole number of ${unit} between ${min} and ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A short, safe rendering of a value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

/** The largest delay a Node timer accepts (~24.8 days). */
export const MAX_TIMER_MS = 2_147_483_647;
