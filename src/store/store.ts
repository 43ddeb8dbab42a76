import type { NewJob } from "../domain/enqueue-options.js";
import type { ClaimedJob, Job, JobError, Lease } from "../domain/job.js";
import type { JobAttempt } from "../domain/job-attempts.js";
import type { JobState } from "../domain/job-state.js";
import type { SqlClient } from "../domain/task.js";
import type { AccessStore } from "./access-store.js";
import type { DependencyStore } from "./dependency-store.js";
import type { AlertStore } from "./alert-store.js";
import type { FlowStore } from "./flow-store.js";
import type { SagaStore } from "./saga-store.js";
import type { MaintenanceStore } from "./maintenance-store.js";
import type { OverviewStore } from "./overview-store.js";
import type { ScheduleStore } from "./schedule-store.js";

/**
 * The Store port: the only thing the engine talks to. Every time comparison uses the `now`
 * passed in (the engine's calibrated clock), never the store's own clock, so tests can drive
 * time and nodes agree on it. Every write about a claimed job is fenced by `Lease`.
 */
export interface Store {
  readonly schedules: ScheduleStore;
  readonly maintenance: MaintenanceStore;
  readonly access: AccessStore;
  readonly overview: OverviewStore;
  /** Memoized steps of jobs and the idempotency store of `tf.once`. */
  readonly flow: FlowStore;
  readonly sagas: SagaStore;
  /** Dependencies between jobs: resolving waiting jobs, and the edges around a job. */
  readonly dependencies: DependencyStore;
  /** Alert state, the delivery outbox and silences (docs/alerting.md). */
  readonly alerts: AlertStore;

  /** The store's own clock, in ms; used only to calibrate the engine's clock. */
  readTime(): Promise<number>;

  /**
   * Inserts jobs in one round trip; an idempotency key already in force returns that job. With
   * `tx` (the application's connection, inside its open transaction) the jobs are written in
   * that transaction: they exist only if it commits.
   */
  enqueue(jobs: NewJob[], now: number, tx?: SqlClient): Promise<EnqueueOutcome[]>;
  /** Locks and leases up to `limit` runnable jobs (SKIP LOCKED), incrementing each fence. */
  claim(request: ClaimRequest): Promise<ClaimedJob[]>;
  /** One statement for all of a worker's leases; returns the ones still held. */
  renewLeases(workerId: string, leases: Lease[], now: number, leaseMs: number): Promise<LeaseRenewal[]>;
  /** Marks attempts succeeded; returns the ids whose lease was still held (the others changed nothing). */
  complete(items: Completion[], now: number): Promise<Set<string>>;
  /** Records failed attempts: back to `queued` (retry), `dead` or `cancelled`. Returns accepted ids. */
  fail(items: Failure[], now: number): Promise<Set<string>>;
  /** Gives jobs back (shutdown): queued now, the attempt refunded, the fence kept. Returns accepted ids. */
  release(leases: Lease[], now: number): Promise<Set<string>>;
  /** Runs `fn` in a transaction that also completes the job; rolls back if the lease is lost. */
  completeInTransaction<T>(lease: Lease, now: number, fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  appendLog(lease: Lease, entry: JobLogEntry, now: number): Promise<boolean>;
  setProgress(lease: Lease, progressJson: string, now: number): Promise<boolean>;

  /** Requeues (or kills, when exhausted) jobs whose lease expired before `now`. */
  reapExpiredLeases(now: number, limit: number): Promise<ReapedJob[]>;
  /**
   * The next moment a claim limit lets more through after `after`: a rate-limit window frees or
   * an open circuit breaker's probe time comes; null if nothing is pending.
   */
  nextClaimLimitChange(after: number): Promise<number | null>;
  /** Counts a finished attempt against its circuit breaker; says what became of the breaker. */
  recordCircuitOutcome(outcome: CircuitOutcome): Promise<CircuitTransition>;
  /** Every circuit breaker, open ones first. */
  listCircuitBreakers(): Promise<CircuitBreakerState[]>;
  /** How many breakers each task has in each state. */
  countCircuitBreakers(): Promise<{ task: string; state: CircuitState; breakers: number }[]>;
  /** The earliest `run_at` of a queued job among these tasks, for the local wake-up timer. */
  nextRunAt(tasks: string[], queues: string[] | null, after: number): Promise<number | null>;

  getJob(id: string): Promise<Job | null>;
  /** The job's attempts, oldest first (see domain/job-attempts.ts); null if there is no such job. */
  getJobAttempts(id: string): Promise<JobAttempt[] | null>;
  listJobs(filter: JobFilter): Promise<Job[]>;
  listJobLogs(id: string): Promise<StoredJobLog[]>;
  /** Waiting or queued: cancelled at once (its dependents resolved). Running: cancellation requested, the worker is told. */
  cancel(id: string, now: number): Promise<Job>;
  /** A dead or cancelled job goes back to `queued` with a fresh attempt budget. */
  replay(id: string, now: number): Promise<Job>;
  replayDead(filter: DeadJobFilter, now: number): Promise<number>;
  /** How many dead jobs match the filter (what `replayDead` would replay now). */
  countDead(filter: DeadJobFilter): Promise<number>;

  /** Subscribes to wake-up hints. Hints may be lost; the engine also polls. */
  subscribe(listener: (hint: WakeHint) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface EnqueueOutcome {
  job: Job;
  /** False when an idempotency key matched an existing job. */
  created: boolean;
}

export interface TaskClaim {
  task: string;
  /** At most this many jobs of the task in this claim. */
  limit: number;
  /** Fixed on the job at claim when it was enqueued without one. */
  maxAttempts: number;
  timeoutMs: number | null;
  /** How many jobs sharing a concurrency key may run at once, cluster-wide. @defaultValue 1 */
  concurrencyKeyLimit?: number;
  /** At most `max` attempts of the task (or of one `rateLimitKey`) start per `perMs`. @defaultValue none */
  rateLimit?: { max: number; perMs: number } | null;
  /** The task has a circuit breaker: an open one holds its jobs. @defaultValue false */
  circuitBreaker?: boolean;
  /** The task is a saga: the claim also takes its jobs waiting to be compensated. @defaultValue false */
  saga?: boolean;
}

export interface ClaimRequest {
  workerId: string;
  now: number;
  /**
   * Plain jobs due by this time are claimed too (default: `now`), so that the worker holds them
   * when they fall due and starts them on its own timer, without a claim's round trip after the
   * due time. Jobs under a concurrency key, rate limit or circuit breaker, and compensations,
   * are claimed only once due. A job claimed early records `started_at` as its due time.
   */
  dueBy?: number;
  leaseMs: number;
  tasks: TaskClaim[];
  /** Null: every queue. */
  queues: string[] | null;
  limit: number;
}

export interface CircuitOutcome {
  /** 'task:<task>' or 'key:<circuit key>'. */
  breaker: string;
  task: string;
  succeeded: boolean;
  now: number;
  consecutiveFailures: number;
  openForMs: number;
  /** The failed attempt's error; null on success. */
  error: JobError | null;
}

export interface CircuitTransition {
  /** Null when this outcome created the breaker. */
  previousState: CircuitState | null;
  state: CircuitState;
  consecutiveFailures: number;
}

export type CircuitState = "closed" | "open" | "half_open";

export interface CircuitBreakerState {
  breaker: string;
  task: string;
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: Date | null;
  /** Open: when one probe may go through. */
  retryAt: Date | null;
  /** Half-open: the job let through as the probe. */
  probeJobId: string | null;
  lastError: JobError | null;
  updatedAt: Date;
}

export interface LeaseRenewal {
  id: string;
  cancelRequested: boolean;
}

export interface Completion extends Lease {
  resultJson: string;
}

export interface Failure extends Lease {
  state: Extract<JobState, "queued" | "dead" | "cancelled">;
  /** For `queued`: when the retry may run. */
  runAt: number | null;
  error: JobError;
}

export interface JobLogEntry {
  level: "info" | "warn" | "error";
  message: string;
  dataJson: string | null;
}

export interface StoredJobLog {
  attempt: number;
  at: Date;
  level: string;
  message: string;
  data: unknown;
}

export interface ReapedJob {
  id: string;
  task: string;
  queue: string;
  state: JobState;
  /** A saga's forward attempt died with its budget spent: the saga began compensating. */
  compensationBegan: boolean;
}

/** Job search. Results are newest first (by id); page with `before` = the last id of a page. */
export interface JobFilter {
  state?: JobState;
  task?: string;
  queue?: string;
  scheduleId?: string;
  /** Jobs carrying every one of these tags. */
  tags?: string[];
  /** Created at or after this time. */
  createdFrom?: Date;
  /** Created before this time. */
  createdTo?: Date;
  /** Jobs with an id lower than this one (the cursor of the previous page). */
  before?: string;
  /** @defaultValue 100 */
  limit?: number;
}

export interface DeadJobFilter {
  task?: string;
  queue?: string;
  /** Jobs carrying this tag. */
  tag?: string;
  /** Jobs carrying every one of these tags (with `tag`, all of them together). */
  tags?: string[];
}

export type WakeHint =
  | { kind: "jobs"; runAt: number | null }
  | { kind: "cancel"; jobId: string }
  /** The listener was re-established: hints may have been missed, look now. */
  | { kind: "reconnected" };
