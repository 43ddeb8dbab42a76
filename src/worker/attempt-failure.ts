import {
  ErrorCode,
  JobCancelledError,
  PermanentError,
  RetryAfterError,
  TaskFlowError,
} from "../domain/errors.js";
import type { ClaimedJob, JobError } from "../domain/job.js";
import {
  DEFAULT_RETRY_POLICY,
  retryDelayMs,
  type ResolvedRetryPolicy,
  type RetryDelayFunction,
} from "../domain/retry-policy.js";
import type { Failure } from "../store/store.js";

/**
 * What a failed attempt leads to. Cancellation ends the job; a PermanentError or an exhausted
 * budget sends it to the dead-letter queue; otherwise it is queued again after the delay that
 * RetryAfterError asks for, or else the retry policy's (the job's, the task's, the default).
 */
export function decideFailure(
  job: ClaimedJob,
  error: unknown,
  taskPolicy: ResolvedRetryPolicy | RetryDelayFunction | null,
  now: number,
  random: () => number = Math.random,
): Failure {
  const stored = describeError(error, job.attempt, now);
  const lease = { id: job.id, fence: job.fence };
  if (error instanceof JobCancelledError) return { ...lease, state: "cancelled", runAt: null, error: stored };
  if (error instanceof PermanentError || job.attempt >= job.maxAttempts) {
    return { ...lease, state: "dead", runAt: null, error: stored };
  }
  const delay =
    error instanceof RetryAfterError ? error.delayMs : policyDelay(job, taskPolicy, error, random);
  return { ...lease, state: "queued", runAt: now + delay, error: stored };
}

/** The retry policy's delay; a policy function that throws falls back to the default policy. */
function policyDelay(
  job: ClaimedJob,
  taskPolicy: ResolvedRetryPolicy | RetryDelayFunction | null,
  error: unknown,
  random: () => number,
): number {
  try {
    return retryDelayMs(job.retryPolicy ?? taskPolicy ?? DEFAULT_RETRY_POLICY, job.attempt, error, random);
  } catch {
    return retryDelayMs(DEFAULT_RETRY_POLICY, job.attempt, error, random);
  }
}

/** The stored form of a thrown value: code, name, message and stack. */
export function describeError(error: unknown, attempt: number, now: number): JobError {
  const at = new Date(now).toISOString();
  if (error instanceof Error) {
    const code = error instanceof TaskFlowError ? error.code : ErrorCode.HandlerFailed;
    return {
      code,
      name: clip(String(error.name)),
      message: clip(String(error.message)),
      ...(error.stack ? { stack: clip(String(error.stack)) } : {}),
      attempt,
      at,
    };
  }
  return { code: ErrorCode.HandlerFailed, name: "NonError", message: clip(safeString(error)), attempt, at };
}

function safeString(value: unknown): string {
  try {
    return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    try {
      return String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
}

const MAX_ERROR_TEXT = 8000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Error text is stored as jsonb: NUL characters and broken surrogate pairs would make the whole
 * batch's statement fail, and one runaway message should not bloat every row.
 */
function clip(text: string): string {
  let clean = text.replaceAll("\0", "\\0");
  if (clean.length > MAX_ERROR_TEXT) {
    const cutsPair = /[\uD800-\uDBFF]/.test(clean.charAt(MAX_ERROR_TEXT - 1));
    clean = `${clean.slice(0, cutsPair ? MAX_ERROR_TEXT - 1 : MAX_ERROR_TEXT)}… [truncated]`;
  }
  return clean.replace(LONE_SURROGATE, "\uFFFD");
}
