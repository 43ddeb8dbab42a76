import type { Lease } from "../domain/job.js";
import type { SqlClient } from "../domain/task.js";

/** A completed step of a job, as `ctx.step` recorded it. */
export interface StoredStep {
  name: string;
  result: unknown;
  /** The attempt (fencing token) that completed it. */
  fence: number;
  completedAt: Date;
}

/** What `claimOnce` found for a key. */
export type OnceClaim =
  /** This caller owns the key now and must run the function, then record or release. */
  | { kind: "owned" }
  /** A result is recorded and still in force. */
  | { kind: "done"; resultJson: string }
  /** Another caller is running the function; its claim lapses at `leaseExpiresAt`. */
  | { kind: "busy"; leaseExpiresAt: number };

/**
 * The durable-flow part of the Store port: memoized steps of a job (fenced like every worker
 * write) and the general idempotency store behind `tf.once`. Times are the engine's.
 */
export interface FlowStore {
  /** The completed steps of a job, oldest first. */
  listSteps(jobId: string): Promise<StoredStep[]>;
  /** Records a completed step, only while `lease` holds the job. Returns false (nothing written) otherwise. */
  recordStep(lease: Lease, name: string, resultJson: string, now: number): Promise<boolean>;
  /**
   * Runs `fn` in a transaction that also records the step with `fn`'s result: the step's writes
   * through `tx` and its record commit together or not at all. Throws `LeaseLostError` (rolled
   * back) if `lease` no longer holds the job.
   */
  recordStepInTransaction(
    lease: Lease,
    name: string,
    now: number,
    fn: (tx: SqlClient) => Promise<string>,
  ): Promise<string>;

  /** Takes `key` for `owner` (a token unique to one call) unless a live result or claim exists. */
  claimOnce(key: string, owner: string, now: number, leaseMs: number, ttlMs: number): Promise<OnceClaim>;
  /** Extends the owner's claim; false if it was lost (lapsed and taken over). */
  renewOnce(key: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** Records the result; false if the owner no longer holds the key (nothing written). */
  completeOnce(key: string, owner: string, resultJson: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives the key up after a failure, so the next call runs the function again. */
  releaseOnce(key: string, owner: string): Promise<void>;
  /** Deletes up to `limit` results whose time ran out before `now`; returns how many. */
  pruneOnce(now: number, limit: number): Promise<number>;
}
