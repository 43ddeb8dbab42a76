import { parseDuration, type Duration } from "./duration.js";
import { resolveDependsOn, type DependsOn, type NewDependency } from "./dependencies.js";
import { ErrorCode, InvalidInputError } from "./errors.js";
import type { TraceContext } from "./job.js";
import type { SqlClient } from "./task.js";
import {
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
  type RetryPolicy,
  type RetryDelayFunction,
} from "./retry-policy.js";

export interface EnqueueOptions {
  /** When the job may start. Mutually exclusive with `delay`. @defaultValue now */
  runAt?: Date;
  /** Start no sooner than this from now. @defaultValue 0 */
  delay?: Duration;
  /** Higher runs first among runnable jobs. @defaultValue 0 */
  priority?: number;
  /** Workers may be told to serve only some queues. @defaultValue "default" */
  queue?: string;
  /**
   * A second enqueue with the same key returns the existing job instead of creating one, for
   * `idempotencyTtl` after the first (even if the job's row was pruned meanwhile).
   */
  idempotencyKey?: string;
  /** How long the idempotency key deduplicates. @defaultValue "24h" */
  idempotencyTtl?: Duration;
  /** @defaultValue the task's, else 3 */
  maxAttempts?: number;
  /** @defaultValue the task's, else none */
  timeout?: Duration;
  /** A function policy cannot be stored with a job: give it in the task definition. @defaultValue the task's */
  retry?: Exclude<RetryPolicy, RetryDelayFunction>;
  tags?: string[];
  /**
   * Jobs sharing a concurrency key run at most their task's `concurrencyKeyLimit` at once across
   * the cluster, whatever their task (e.g. `tenant:42`: one run per tenant). Checked at claim.
   * @defaultValue the task's `concurrencyKey(payload)` when this process registered the task, else none
   */
  concurrencyKey?: string;
  /**
   * The bucket the task's `rateLimit` counts this job in, instead of the task's own (e.g. the
   * downstream host). Without a `rateLimit` on the task it limits nothing.
   * @defaultValue the task's `rateLimit.key(payload)` when this process registered the task, else the task's bucket
   */
  rateLimitKey?: string;
  /**
   * The circuit breaker (of the task's `circuitBreaker`) this job is guarded by, instead of the
   * task's own (e.g. the downstream host). Without a `circuitBreaker` on the task it does nothing.
   * @defaultValue the task's `circuitBreaker.key(payload)` when this process registered the task, else the task's
   */
  circuitKey?: string;
  /**
   * The application's own PostgreSQL connection (a `pg` client or pool client), inside a
   * transaction it has begun: the job is written in that transaction, so it exists (and runs)
   * only if the transaction commits. Same database as TaskFlow's. Not available on the embedded
   * database. @defaultValue none: the job is committed at once
   */
  tx?: SqlClient;
  /**
   * Jobs this one waits for: it is stored `waiting` and becomes `queued` (at its `runAt`, or at
   * once if that has passed) when every one of them has finished. A dependency that ended other
   * than `succeeded` decides by its edge's `onFailure`: `fail` (ends this job `dead`,
   * DEPENDENCY_FAILED), `skip` (ends it `skipped`) or `continue` (runs it anyway). An unknown id
   * is refused (DEPENDENCY_NOT_FOUND) and nothing is written. @defaultValue none
   */
  dependsOn?: DependsOn[];
}

/** An enqueue request after validation: what the store writes. */
export interface NewJob {
  task: string;
  queue: string;
  payloadJson: string;
  priority: number;
  runAt: number;
  maxAttempts: number | null;
  timeoutMs: number | null;
  retry: ResolvedRetryPolicy | null;
  tags: string[];
  idempotencyKey: string | null;
  idempotencyExpiresAt: number | null;
  concurrencyKey: string | null;
  rateLimitKey: string | null;
  circuitKey: string | null;
  /** The jobs it waits for (stored `waiting` while any has not finished). */
  dependsOn: NewDependency[];
  /** The enqueue span's W3C trace context, stored with the job. @defaultValue none */
  traceContext?: TraceContext | null;
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const MAX_INT = 2_147_483_647;
/** Half of a surrogate pair: valid in a JS string, refused by PostgreSQL's jsonb. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

/** Validates one enqueue request against `now` (ms). Throws InvalidInputError; writes nothing. */
export function resolveEnqueue(task: string, payload: unknown, options: EnqueueOptions, now: number): NewJob {
  if (typeof task !== "string" || !NAME.test(task)) {
    throw new InvalidInputError(
      `task name must be 1-200 characters of letters, digits and _ . : - /; got ${JSON.stringify(task)}`,
      { code: ErrorCode.InvalidTaskName, details: { task } },
    );
  }
  if (options.runAt !== undefined && options.delay !== undefined) {
    throw option("runAt", "give either runAt or delay, not both");
  }
  let runAt = now;
  if (options.runAt !== undefined) {
    if (!(options.runAt instanceof Date) || Number.isNaN(options.runAt.getTime())) {
      throw option("runAt", "runAt must be a valid Date");
    }
    runAt = options.runAt.getTime();
  } else if (options.delay !== undefined) {
    runAt = now + parseDuration(options.delay, "delay");
  }
  const priority = options.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > MAX_INT) {
    throw option("priority", `priority must be a whole number, got ${String(priority)}`);
  }
  const queue = options.queue ?? "default";
  if (typeof queue !== "string" || !NAME.test(queue)) {
    throw option(
      "queue",
      `queue must be 1-200 characters of letters, digits and _ . : - /; got ${JSON.stringify(queue)}`,
    );
  }
  const maxAttempts = options.maxAttempts ?? null;
  if (
    maxAttempts !== null &&
    (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1_000_000)
  ) {
    throw option("maxAttempts", `maxAttempts must be a whole number >= 1, got ${String(maxAttempts)}`);
  }
  const timeoutMs = options.timeout === undefined ? null : parseDuration(options.timeout, "timeout");
  if (timeoutMs !== null && (timeoutMs < 1 || timeoutMs > MAX_INT)) {
    throw option("timeout", `timeout must be between 1 ms and about 24 days, got ${timeoutMs} ms`);
  }
  if (typeof options.retry === "function") {
    throw option("retry", "a retry function cannot be stored with a job; give it in the task definition");
  }
  const retry = options.retry === undefined ? null : resolveRetryPolicy(options.retry);
  const tags = options.tags ?? [];
  if (
    !Array.isArray(tags) ||
    tags.some((tag) => typeof tag !== "string" || tag === "" || tag.length > 200 || tag.includes("\0"))
  ) {
    throw option("tags", "tags must be an array of non-empty strings (at most 200 characters, no NUL)");
  }
  const key = options.idempotencyKey ?? null;
  if (key !== null && (typeof key !== "string" || key === "" || key.length > 1000 || key.includes("\0"))) {
    throw option(
      "idempotencyKey",
      "idempotencyKey must be a non-empty string of at most 1000 characters without NUL",
    );
  }
  const ttl =
    options.idempotencyTtl === undefined
      ? DEFAULT_IDEMPOTENCY_TTL_MS
      : parseDuration(options.idempotencyTtl, "idempotencyTtl");
  return {
    task,
    queue,
    payloadJson: serializePayload(payload),
    concurrencyKey: claimKey(options.concurrencyKey, "concurrencyKey"),
    rateLimitKey: claimKey(options.rateLimitKey, "rateLimitKey"),
    circuitKey: claimKey(options.circuitKey, "circuitKey"),
    priority,
    runAt,
    maxAttempts,
    timeoutMs,
    retry,
    tags: [...new Set(tags)],
    idempotencyKey: key,
    idempotencyExpiresAt: key === null ? null : now + ttl,
    dependsOn: resolveDependsOn(options.dependsOn),
  };
}

/**
 * JSON-encodes a payload, refusing what would not come back the same: functions, symbols,
 * bigints, non-finite numbers, cycles, and NUL characters (PostgreSQL cannot store them in jsonb).
 */
export function serializePayload(payload: unknown, what = "payload"): string {
  const problem = findUnserializable(payload, what, new Set());
  if (problem !== null) {
    throw new InvalidInputError(`${problem}; a ${what} must be plain JSON`, {
      code: ErrorCode.InvalidPayload,
    });
  }
  return JSON.stringify(payload === undefined ? null : payload);
}

function findUnserializable(value: unknown, path: string, seen: Set<object>): string | null {
  switch (typeof value) {
    case "string":
      if (value.includes("\0")) return `${path} contains a NUL character`;
      return LONE_SURROGATE.test(value)
        ? `${path} contains half of a UTF-16 surrogate pair (broken text)`
        : null;
    case "number":
      return Number.isFinite(value) ? null : `${path} is ${String(value)}, which JSON cannot represent`;
    case "boolean":
      return null;
    case "undefined":
      return null;
    case "bigint":
    case "function":
    case "symbol":
      return `${path} is a ${typeof value}`;
    case "object": {
      if (value === null) return null;
      if (seen.has(value)) return `${path} refers to itself (a cycle)`;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? `${path} is an invalid Date` : null;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        return `${path} is a ${value.constructor?.name ?? "class instance"}, not a plain object`;
      }
      seen.add(value);
      for (const [key, inner] of Object.entries(value)) {
        if (key.includes("\0") || LONE_SURROGATE.test(key))
          return `${path} has a key with a NUL character or broken text`;
        const found = findUnserializable(
          inner,
          Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
          seen,
        );
        if (found !== null) return found;
      }
      seen.delete(value);
      return null;
    }
  }
}

export type ClaimKeyOption = "concurrencyKey" | "rateLimitKey" | "circuitKey";

/** A concurrency key, rate-limit key or circuit key: undefined and null mean none. */
export function claimKey(value: unknown, name: ClaimKeyOption): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value === "" || value.length > MAX_CLAIM_KEY || value.includes("\0")) {
    throw option(
      name,
      `${name} must be a non-empty string of at most ${MAX_CLAIM_KEY} characters without NUL, got ${describe(value)}`,
    );
  }
  return value;
}

const MAX_CLAIM_KEY = 500;

function describe(value: unknown): string {
  return typeof value === "string" ? `${value.length} characters` : typeof value;
}

function option(name: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option: name } });
}
