import type { JobError, Lease } from "../domain/job.js";

/** A failed compensation attempt: compensate again at `runAt`, or give up. */
export interface CompensationFailure extends Lease {
  state: "compensating" | "compensation_failed";
  /** When to try again; null with `compensation_failed`. */
  runAt: number | null;
  error: JobError;
}

/**
 * The saga part of the Store port. A saga's job moves running → compensating (its completed
 * steps are undone, newest first, by attempts leased like any other: the claim takes
 * `compensating` jobs of saga tasks too) → compensated | compensation_failed. Every write is
 * fenced by the attempt's lease, as for any job.
 */
export interface SagaStore {
  /**
   * Marks the job as a saga with `compensationMaxAttempts` attempts for compensating, before the
   * attempt runs its first step. False (nothing written) if `lease` no longer holds the job.
   */
  markSaga(lease: Lease, compensationMaxAttempts: number): Promise<boolean>;
  /** The saga failed for good or was cancelled: it waits, compensating, for a worker. */
  beginCompensation(lease: Lease, error: JobError, now: number): Promise<boolean>;
  /** Every completed step was undone: `compensated`. */
  finishCompensation(lease: Lease, now: number): Promise<boolean>;
  /** A compensation attempt failed: compensating again later, or `compensation_failed`. */
  failCompensation(failure: CompensationFailure, now: number): Promise<boolean>;
}
