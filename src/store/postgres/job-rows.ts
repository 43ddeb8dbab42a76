import type { ClaimedJob, Job, JobError, TraceContext } from "../../domain/job.js";
import type { JobState } from "../../domain/job-state.js";
import type { ResolvedRetryPolicy } from "../../domain/retry-policy.js";

/** A `jobs` row as either driver returns it (or as `to_jsonb` renders it). */
export interface JobRow {
  id: string | number | bigint;
  task: string;
  queue: string;
  payload: unknown;
  state: string;
  priority: number;
  run_at: Date | string;
  attempt: number;
  attempt_base: number;
  max_attempts: number | null;
  timeout_ms: number | null;
  retry: unknown;
  tags: string[];
  idempotency_key: string | null;
  concurrency_key?: string | null;
  rate_limit_key?: string | null;
  circuit_key?: string | null;
  lease_owner: string | null;
  lease_expires_at: Date | string | null;
  cancel_requested_at: Date | string | null;
  schedule_id?: string | null;
  fire_at?: Date | string | null;
  trace_context?: TraceContext | null;
  progress: unknown;
  result: unknown;
  last_error: unknown;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

export function toJob(row: JobRow): Job {
  return {
    id: String(row.id),
    task: row.task,
    queue: row.queue,
    payload: row.payload,
    state: row.state as JobState,
    priority: row.priority,
    runAt: toDate(row.run_at),
    attempt: row.attempt - row.attempt_base,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    tags: row.tags,
    idempotencyKey: row.idempotency_key,
    concurrencyKey: row.concurrency_key ?? null,
    rateLimitKey: row.rate_limit_key ?? null,
    circuitKey: row.circuit_key ?? null,
    progress: row.progress ?? null,
    result: row.result ?? null,
    lastError: (row.last_error ?? null) as JobError | null,
    cancelRequested: row.cancel_requested_at !== null,
    scheduleId: row.schedule_id ?? null,
    fireAt: toDateOrNull(row.fire_at ?? null),
    traceId: traceIdOf(row.trace_context ?? null),
    leaseOwner: row.lease_owner,
    leaseExpiresAt: toDateOrNull(row.lease_expires_at),
    createdAt: toDate(row.created_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
  };
}

export function toClaimedJob(row: JobRow): ClaimedJob {
  // Completed in place rather than spread into a copy: a claim maps hundreds of rows at a time.
  const job = toJob(row) as ClaimedJob;
  job.fence = row.attempt;
  job.maxAttempts = row.max_attempts ?? 1;
  job.retryPolicy = (row.retry ?? null) as ResolvedRetryPolicy | null;
  job.traceContext = row.trace_context ?? null;
  return job;
}

/** What the unlimited claim (claim_jobs.sql) returns: a row without the fields its own lease decided. */
export type LeasedJobRow = Omit<
  JobRow,
  "state" | "lease_owner" | "lease_expires_at" | "started_at" | "finished_at"
>;

/** The lease a claim gave every job it took: its owner, when it was taken, how long it lasts. */
export interface ClaimLease {
  owner: string;
  at: number;
  leaseMs: number;
}

/**
 * A job of the unlimited claim, completed with what that claim set: `running`, leased to
 * `lease.owner` until `at + leaseMs`, started at `at` or at its due time if later (a job claimed
 * ahead starts when due), not finished. Set here rather than returned by the statement: a claim
 * returns hundreds of rows, and each returned timestamp is parsed once per row.
 */
export function toLeasedJob(row: LeasedJobRow, lease: ClaimLease): ClaimedJob {
  // The row is the driver's, used once: completed in place rather than copied.
  const full = row as JobRow;
  full.state = "running";
  full.lease_owner = lease.owner;
  full.lease_expires_at = new Date(lease.at + lease.leaseMs);
  full.started_at = null;
  full.finished_at = null;
  const job = toClaimedJob(full);
  // Taken from the job's own parsed run_at rather than parsing the row's a second time.
  job.startedAt = new Date(Math.max(lease.at, job.runAt.getTime()));
  return job;
}

/** The trace id field of a stored traceparent (`00-<trace id>-<span id>-<flags>`). */
function traceIdOf(context: TraceContext | null): string | null {
  const traceId = context?.traceparent.split("-")[1];
  return traceId === undefined || traceId.length !== 32 ? null : traceId;
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function toDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : toDate(value);
}
