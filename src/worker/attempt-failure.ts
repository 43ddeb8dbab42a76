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
    error instanceof RetryAfterError
      ? error.delayMs
      : retryDelayMs(job.retryPolicy ?? taskPolicy ?? DEFAULT_RETRY_POLICY, job.attempt, error, random);
  return { ...lease, state: "queued", runAt: now + delay, error: stored };
}

/** The stored form of a thrown value: code, name, message and stack. */
export function describeError(error: unknown, attempt: number, now: number): JobError {
  const at = new Date(now).toISOString();
  if (error instanceof Error) {
    const code = error instanceof TaskFlowError ? error.code : ErrorCode.HandlerFailed;
    return {
      code,
      name: error.name,
      message: clip(error.message),
      ...(error.stack ? { stack: clip(error.stack) } : {}),
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
    return String(value);
  }
}

/** Error text is stored with the job; keep one runaway message from bloating every row. */
function clip(text: string): string {
  const clean = text.replaceAll("\0", "\\0");
  return clean.length > 8000 ? `${clean.slice(0, 8000)}… [truncated]` : clean;
}
