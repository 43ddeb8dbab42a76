import type { JobState } from "./job-state.js";
import type { ResolvedRetryPolicy } from "./retry-policy.js";

/** What is stored about a failed attempt. */
export interface JobError {
  /** A stable code when TaskFlow knows one (`JOB_TIMEOUT`, `LEASE_EXPIRED`…), else `HANDLER_FAILED`. */
  code: string;
  name: string;
  message: string;
  stack?: string;
  /** The attempt (1-based, within the current budget) that failed. */
  attempt: number;
  at: string;
  /** Set when the attempt was undoing a saga's completed steps rather than running them. */
  compensation?: boolean;
}

/**
 * The W3C trace context (https://www.w3.org/TR/trace-context/) of the span that enqueued a job:
 * every attempt of the job is traced as a child of it (docs/tracing.md).
 */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** A job as the store holds it. Payload and result are JSON. */
export interface Job<Payload = unknown> {
  id: string;
  task: string;
  queue: string;
  payload: Payload;
  state: JobState;
  priority: number;
  runAt: Date;
  /** Attempts made in the current budget (a replay starts a fresh budget). */
  attempt: number;
  /** Null until the first claim fixes it from the task's definition. */
  maxAttempts: number | null;
  timeoutMs: number | null;
  tags: string[];
  idempotencyKey: string | null;
  /** Jobs sharing it run at most their task's `concurrencyKeyLimit` at once, cluster-wide. */
  concurrencyKey: string | null;
  /** The rate-limit bucket this job counts in, when not its task's own. */
  rateLimitKey: string | null;
  /** The circuit breaker guarding this job, when not its task's own. */
  circuitKey: string | null;
  progress: unknown;
  result: unknown;
  lastError: JobError | null;
  cancelRequested: boolean;
  /** The schedule whose occurrence this job runs, if any. */
  scheduleId: string | null;
  /** The occurrence's intended fire time (null for a manual trigger or a plain job). */
  fireAt: Date | null;
  /** The trace its enqueue (or its schedule's fire) was part of; null when nothing was traced. */
  traceId: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A job claimed by a worker, with the fencing token its writes must carry. */
export interface ClaimedJob extends Job {
  /** The fencing token: the total number of claims of this job, never decreasing. */
  fence: number;
  maxAttempts: number;
  /** The policy given at enqueue; null means the task's (or the default). */
  retryPolicy: ResolvedRetryPolicy | null;
  /** The enqueue's (or fire's) span context, the parent of every attempt's span; null: none. */
  traceContext: TraceContext | null;
}

/** Identifies one attempt of one job: every worker write is conditioned on it. */
export interface Lease {
  id: string;
  fence: number;
}
