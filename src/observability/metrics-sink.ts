/**
 * What the engine reports to metrics, as it happens. The engine (worker, scheduler, maintenance)
 * talks to this small port only, never to prom-client, so it stays testable and a library user
 * who does not scrape pays nothing. Every transition is reported after the store accepted it.
 *
 * Labels are bounded: task and queue names (configuration), fixed reasons. Never a job id.
 */
export interface JobLabels {
  task: string;
  queue: string;
}

/** A write a worker makes under its fencing token, which the store refuses once the lease is gone. */
export type FencedWrite = "complete" | "fail" | "release" | "heartbeat" | "log" | "progress" | "transaction";

export type SagaState = "compensating" | "compensated" | "compensation_failed";

/** Why an occurrence of a schedule did not run: the catch-up policy, a calendar, or the overlap policy. */
export type OccurrenceSkipReason = "missed" | "catchup-window" | "calendar" | "overlap";

export interface MetricsSink {
  /** A job was created: by enqueue (not an idempotent repeat), a schedule's occurrence, or a trigger. */
  jobEnqueued(job: JobLabels, count?: number): void;
  /**
   * An attempt's handler started, `waitMs` after the job's `run_at`. `fireLatenessMs`: for the
   * first attempt of a schedule's occurrence, how long after its fire time; otherwise null.
   */
  attemptStarted(job: JobLabels, waitMs: number, fireLatenessMs: number | null): void;
  /** An attempt's handler ended (whatever became of it), `durationMs` after it started. */
  attemptEnded(job: JobLabels, durationMs: number): void;
  jobSucceeded(job: JobLabels): void;
  /** An attempt failed (error, timeout, expired lease) and the job was queued again or went dead. */
  attemptFailed(job: JobLabels, next: "retried" | "dead"): void;
  jobCancelled(job: JobLabels): void;
  /**
   * A waiting job ended without running because a dependency did not succeed: `dead` (its edge
   * says fail; counted as dead too) or `skipped`.
   */
  jobEndedByDependency(job: JobLabels, outcome: "dead" | "skipped"): void;
  /** A saga began compensating (failed for good, or cancelled), was compensated, or its compensation failed. */
  sagaTransition(job: JobLabels, state: SagaState): void;
  /** The reaper took a job back from a worker that stopped renewing its lease. */
  leaseExpired(job: JobLabels): void;
  /** The store refused `count` fenced writes: the worker no longer held those jobs. */
  staleWriteRejected(write: FencedWrite, count?: number): void;
  occurrencesSkipped(task: string, reason: OccurrenceSkipReason, count: number): void;
  /** Missed occurrences enqueued late by the catch-up policy (`latest` or `all`). */
  occurrencesCaughtUp(task: string, policy: string, count: number): void;
  /** An alert delivery attempt came back: delivered, to be retried, or failed for good. */
  alertDelivery(channel: string, outcome: "delivered" | "retry" | "failed"): void;
}

/** A sink that records nothing (engine parts built without metrics, e.g. in unit tests). */
export const NO_METRICS: MetricsSink = {
  jobEnqueued: () => undefined,
  attemptStarted: () => undefined,
  attemptEnded: () => undefined,
  jobSucceeded: () => undefined,
  attemptFailed: () => undefined,
  jobCancelled: () => undefined,
  jobEndedByDependency: () => undefined,
  sagaTransition: () => undefined,
  leaseExpired: () => undefined,
  staleWriteRejected: () => undefined,
  occurrencesSkipped: () => undefined,
  occurrencesCaughtUp: () => undefined,
  alertDelivery: () => undefined,
};
