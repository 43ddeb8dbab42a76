import { parseDuration, type Duration } from "../domain/duration.js";
import { claimKey, type ClaimKeyOption } from "../domain/enqueue-options.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { TaskDefinition } from "../domain/task.js";

/** Reads a key (concurrency key, rate-limit bucket) from a job's payload. */
export type KeyFunction = (payload: unknown) => string | null | undefined;

/** A task's circuit breaker: opens after `consecutiveFailures` failures in a row, for `openForMs`. */
export interface ResolvedCircuitBreaker {
  consecutiveFailures: number;
  openForMs: number;
}

/** A task's rate limit: at most `max` attempts start within any `perMs` window. */
export interface ResolvedRateLimit {
  max: number;
  perMs: number;
}

const MAX_LIMIT = 1_000_000;
/** Stored as a PostgreSQL integer of milliseconds. */
const MAX_WINDOW_MS = 2_147_483_647;

/** Validates a task's concurrency-key and rate-limit options (see TaskDefinition). */
export function resolveClaimLimits(
  name: string,
  definition: TaskDefinition<never, unknown>,
): {
  concurrencyKeyOf: KeyFunction | null;
  concurrencyKeyLimit: number;
  rateLimit: ResolvedRateLimit | null;
  rateLimitKeyOf: KeyFunction | null;
  circuitBreaker: ResolvedCircuitBreaker | null;
  circuitKeyOf: KeyFunction | null;
} {
  const concurrencyKeyOf = keyFunction(name, "concurrencyKey", definition.concurrencyKey);
  const concurrencyKeyLimit = definition.concurrencyKeyLimit ?? 1;
  if (!isCount(concurrencyKeyLimit)) {
    throw invalidTaskOption(
      name,
      "concurrencyKeyLimit",
      `concurrencyKeyLimit must be a whole number from 1 to ${MAX_LIMIT}, got ${String(concurrencyKeyLimit)}`,
    );
  }
  const breaker = resolveCircuitBreaker(name, definition);
  const limit = definition.rateLimit;
  if (limit === undefined) {
    return { concurrencyKeyOf, concurrencyKeyLimit, rateLimit: null, rateLimitKeyOf: null, ...breaker };
  }
  if (typeof limit !== "object" || limit === null) {
    throw invalidTaskOption(name, "rateLimit", 'rateLimit must be an object like { max: 10, per: "1m" }');
  }
  if (!isCount(limit.max)) {
    throw invalidTaskOption(
      name,
      "rateLimit.max",
      `rateLimit.max must be a whole number from 1 to ${MAX_LIMIT}, got ${String(limit.max)}`,
    );
  }
  const perMs = windowMs(name, "rateLimit.per", limit.per);
  return {
    concurrencyKeyOf,
    concurrencyKeyLimit,
    rateLimit: { max: limit.max, perMs },
    rateLimitKeyOf: keyFunction(name, "rateLimit.key", limit.key),
    ...breaker,
  };
}

function resolveCircuitBreaker(
  name: string,
  definition: TaskDefinition<never, unknown>,
): { circuitBreaker: ResolvedCircuitBreaker | null; circuitKeyOf: KeyFunction | null } {
  const options = definition.circuitBreaker;
  if (options === undefined) return { circuitBreaker: null, circuitKeyOf: null };
  if (typeof options !== "object" || options === null) {
    throw invalidTaskOption(
      name,
      "circuitBreaker",
      'circuitBreaker must be an object like { consecutiveFailures: 5, openFor: "30s" }',
    );
  }
  const consecutiveFailures = options.consecutiveFailures ?? 5;
  if (!isCount(consecutiveFailures)) {
    throw invalidTaskOption(
      name,
      "circuitBreaker.consecutiveFailures",
      `circuitBreaker.consecutiveFailures must be a whole number from 1 to ${MAX_LIMIT}, got ${String(consecutiveFailures)}`,
    );
  }
  const openForMs = windowMs(name, "circuitBreaker.openFor", options.openFor ?? "30s");
  return {
    circuitBreaker: { consecutiveFailures, openForMs },
    circuitKeyOf: keyFunction(name, "circuitBreaker.key", options.key),
  };
}

/** A duration option stored as PostgreSQL integer milliseconds: from 1 ms to about 24.8 days. */
function windowMs(name: string, option: string, value: Duration): number {
  const ms = parseDuration(value, `task ${name}: ${option}`);
  if (ms < 1 || ms > MAX_WINDOW_MS) {
    throw invalidTaskOption(
      name,
      option,
      `${option} must be from 1 ms to ${MAX_WINDOW_MS} ms (about 24.8 days), got ${ms} ms`,
    );
  }
  return ms;
}

function keyFunction(name: string, option: string, value: unknown): KeyFunction | null {
  if (value === undefined) return null;
  if (typeof value !== "function") {
    throw invalidTaskOption(
      name,
      option,
      `${option} must be a function of the payload returning the key (to give one key to a job, pass it as an enqueue option)`,
    );
  }
  return value as KeyFunction;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_LIMIT;
}

export function invalidTaskOption(task: string, option: string, message: string): InvalidInputError {
  return new InvalidInputError(`task ${JSON.stringify(task)}: ${message}`, {
    code: ErrorCode.InvalidOption,
    details: { task, option },
  });
}

/** The key functions of a registered task (RegisteredTask has them). */
export interface TaskKeyFunctions {
  name: string;
  concurrencyKeyOf: KeyFunction | null;
  rateLimitKeyOf: KeyFunction | null;
  circuitKeyOf: KeyFunction | null;
}

const KEY_FUNCTIONS = [
  ["concurrencyKey", "concurrencyKeyOf"],
  ["rateLimitKey", "rateLimitKeyOf"],
  ["circuitKey", "circuitKeyOf"],
] as const;

/** Whether the task derives any key from a job's payload. */
export function hasKeyFunctions(task: TaskKeyFunctions): boolean {
  return KEY_FUNCTIONS.some(([, field]) => task[field] !== null);
}

/**
 * The keys a task's key functions name for `payload`, for each option not `given` already.
 * A function that throws fails the call, unless `onError` is given: then that key is left out.
 */
export function keysFromTask(
  task: TaskKeyFunctions,
  payload: unknown,
  given: Partial<Record<ClaimKeyOption, unknown>> = {},
  onError?: (option: ClaimKeyOption, error: unknown) => void,
): Partial<Record<ClaimKeyOption, string | null>> {
  const keys: Partial<Record<ClaimKeyOption, string | null>> = {};
  for (const [option, field] of KEY_FUNCTIONS) {
    const keyOf = task[field];
    if (keyOf === null || given[option] !== undefined) continue;
    try {
      keys[option] = keyFromPayload(task.name, option, keyOf, payload);
    } catch (error) {
      if (onError === undefined) throw error;
      onError(option, error);
    }
  }
  return keys;
}

/** Runs a task's key function on a payload; what it returns is checked like an enqueue option. */
function keyFromPayload(
  task: string,
  option: ClaimKeyOption,
  keyOf: KeyFunction,
  payload: unknown,
): string | null {
  let key: unknown;
  try {
    key = keyOf(payload);
  } catch (error) {
    throw new InvalidInputError(
      `task ${JSON.stringify(task)}: its ${option} function threw: ${String(error)}`,
      {
        code: ErrorCode.InvalidOption,
        details: { task, option },
        cause: error,
      },
    );
  }
  return claimKey(key, option);
}
