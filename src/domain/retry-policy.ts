import { parseDuration, type Duration } from "./duration.js";
import { ErrorCode, InvalidInputError } from "./errors.js";

/** How long to wait before the next attempt, given the attempt that just failed (1-based). */
export type RetryDelayFunction = (attempt: number, error: unknown) => number;

export type RetryPolicy =
  | { kind: "fixed"; delay: Duration }
  | {
      kind: "exponential";
      /** Delay after the first failure. @defaultValue "1s" */
      base?: Duration;
      /** Multiplier per further failure. @defaultValue 2 */
      factor?: number;
      /** Longest delay. @defaultValue "1h" */
      cap?: Duration;
      /** `full`: uniform in [0, d]; `equal`: d/2 + uniform in [0, d/2]; `none`. @defaultValue "full" */
      jitter?: "full" | "equal" | "none";
    }
  | RetryDelayFunction;

/** A policy with every default filled in and durations in ms; storable as JSON with the job. */
export type ResolvedRetryPolicy =
  | { kind: "fixed"; delayMs: number }
  | { kind: "exponential"; baseMs: number; factor: number; capMs: number; jitter: "full" | "equal" | "none" };

export const DEFAULT_RETRY_POLICY: ResolvedRetryPolicy = {
  kind: "exponential",
  baseMs: 1000,
  factor: 2,
  capMs: 3_600_000,
  jitter: "full",
};

export function resolveRetryPolicy(policy: Exclude<RetryPolicy, RetryDelayFunction>): ResolvedRetryPolicy {
  if (typeof policy !== "object" || policy === null) throw invalid("retry must be an object or a function");
  if (policy.kind === "fixed") return { kind: "fixed", delayMs: parseDuration(policy.delay, "retry.delay") };
  if (policy.kind !== "exponential") {
    throw invalid(
      `retry.kind must be "fixed" or "exponential", got ${JSON.stringify((policy as { kind: unknown }).kind)}`,
    );
  }
  const factor = policy.factor ?? 2;
  if (!Number.isFinite(factor) || factor < 1)
    throw invalid(`retry.factor must be a number >= 1, got ${String(factor)}`);
  const jitter = policy.jitter ?? "full";
  if (!["full", "equal", "none"].includes(jitter)) {
    throw invalid(`retry.jitter must be "full", "equal" or "none", got ${JSON.stringify(jitter)}`);
  }
  return {
    kind: "exponential",
    baseMs: parseDuration(policy.base ?? "1s", "retry.base"),
    factor,
    capMs: parseDuration(policy.cap ?? "1h", "retry.cap"),
    jitter,
  };
}

/**
 * The delay before the next attempt after `attempt` (1-based) failed. `random` returns a number
 * in [0, 1) and is injected so the jitter is testable.
 */
export function retryDelayMs(
  policy: ResolvedRetryPolicy | RetryDelayFunction,
  attempt: number,
  error: unknown,
  random: () => number = Math.random,
): number {
  if (typeof policy === "function") {
    const delay = policy(attempt, error);
    return Number.isFinite(delay) && delay >= 0 ? Math.round(delay) : 0;
  }
  if (policy.kind === "fixed") return policy.delayMs;
  const exponent = Math.min(attempt - 1, 1000);
  const growth = policy.baseMs === 0 ? 0 : policy.baseMs * Math.pow(policy.factor, exponent);
  const raw = Math.min(policy.capMs, Number.isNaN(growth) ? policy.capMs : growth);
  switch (policy.jitter) {
    case "none":
      return Math.round(raw);
    case "equal":
      return Math.round(raw / 2 + random() * (raw / 2));
    case "full":
      return Math.round(random() * raw);
  }
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option: "retry" } });
}
