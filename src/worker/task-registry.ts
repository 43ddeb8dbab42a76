import { parseDuration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import {
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
  type RetryDelayFunction,
} from "../domain/retry-policy.js";
import type { TaskDefinition } from "../domain/task.js";
import type { RegisteredSaga } from "../flow/saga.js";
import {
  invalidTaskOption as invalid,
  resolveClaimLimits,
  type KeyFunction,
  type ResolvedCircuitBreaker,
  type ResolvedRateLimit,
} from "./claim-limits.js";

export const DEFAULT_MAX_ATTEMPTS = 3;
/** Both are stored as PostgreSQL integers. */
export const MAX_ATTEMPTS_LIMIT = 1_000_000;
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** A task definition with its options validated and defaults filled in. */
export interface RegisteredTask {
  name: string;
  run: TaskDefinition<never, unknown>["run"];
  timeoutMs: number | null;
  retry: ResolvedRetryPolicy | RetryDelayFunction | null;
  maxAttempts: number;
  /** Null: limited only by the node's concurrency. */
  concurrency: number | null;
  /** The job's concurrency key from its payload, at enqueue; null: the task names none. */
  concurrencyKeyOf: KeyFunction | null;
  concurrencyKeyLimit: number;
  rateLimit: ResolvedRateLimit | null;
  /** The job's rate-limit bucket from its payload, at enqueue; null: the task's own bucket. */
  rateLimitKeyOf: KeyFunction | null;
  circuitBreaker: ResolvedCircuitBreaker | null;
  /** The job's circuit breaker from its payload, at enqueue; null: the task's own. */
  circuitKeyOf: KeyFunction | null;
  /** Set for a saga: how its failure is compensated. */
  saga: RegisteredSaga | null;
}

const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;

export class TaskRegistry {
  readonly #tasks = new Map<string, RegisteredTask>();

  register(
    name: string,
    definition: TaskDefinition<never, unknown>,
    saga: RegisteredSaga | null = null,
  ): RegisteredTask {
    if (typeof name !== "string" || !NAME.test(name)) {
      throw new InvalidInputError(
        `task name must be 1-200 characters of letters, digits and _ . : - /; got ${JSON.stringify(name)}`,
        {
          code: ErrorCode.InvalidTaskName,
        },
      );
    }
    if (this.#tasks.has(name)) {
      throw new InvalidInputError(`task ${JSON.stringify(name)} is already registered`, {
        code: ErrorCode.DuplicateTask,
      });
    }
    if (typeof definition?.run !== "function") throw invalid(name, "run", "run must be a function");
    const maxAttempts = definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
      throw invalid(
        name,
        "maxAttempts",
        `maxAttempts must be a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}, got ${String(maxAttempts)}`,
      );
    }
    const concurrency = definition.concurrency ?? null;
    if (concurrency !== null && (!Number.isInteger(concurrency) || concurrency < 1)) {
      throw invalid(
        name,
        "concurrency",
        `concurrency must be a whole number >= 1, got ${String(concurrency)}`,
      );
    }
    const timeoutMs =
      definition.timeout === undefined ? null : parseDuration(definition.timeout, `task ${name}: timeout`);
    if (timeoutMs !== null && (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)) {
      throw invalid(
        name,
        "timeout",
        `timeout must be from 1 ms to ${MAX_TIMEOUT_MS} ms (about 24.8 days), got ${timeoutMs} ms`,
      );
    }
    const limits = resolveClaimLimits(name, definition);
    const { retry } = definition;
    const task: RegisteredTask = {
      name,
      run: (ctx) => definition.run(ctx),
      timeoutMs,
      retry: retry === undefined ? null : typeof retry === "function" ? retry : resolveRetryPolicy(retry),
      maxAttempts,
      concurrency,
      ...limits,
      saga,
    };
    this.#tasks.set(name, task);
    return task;
  }

  get(name: string): RegisteredTask | undefined {
    return this.#tasks.get(name);
  }

  has(name: string): boolean {
    return this.#tasks.has(name);
  }

  all(): RegisteredTask[] {
    return [...this.#tasks.values()];
  }
}
