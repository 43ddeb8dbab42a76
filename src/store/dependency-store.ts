import type { JobDependencies } from "../domain/dependencies.js";
import type { Job } from "../domain/job.js";

/**
 * Dependencies between jobs, in the Store port. Jobs enqueued with `dependsOn` wait in
 * `waiting`; the store resolves them after each finishing write it makes, and `resolveReady` (the
 * leased maintenance sweep) resolves whatever a crash between those writes left behind.
 */
export interface DependencyStore {
  /**
   * Resolves up to `limit` waiting jobs whose dependencies have all finished (queued, dead or
   * skipped by their edges), then their own dependents that this ended, and so on. Returns how
   * many jobs left `waiting`.
   */
  resolveReady(now: number, limit: number): Promise<number>;
  /** What the job waits for and what waits for it; null if there is no such job. */
  listDependencies(jobId: string): Promise<JobDependencies | null>;
  /**
   * Tells `listener` of the waiting jobs that ended `dead` or `skipped` because of their edges,
   * once that is committed (after a finishing write, or by the sweep). Jobs ended while being
   * enqueued are the enqueuer's to report, with the enqueue's outcome.
   */
  onJobsEnded(listener: (jobs: Job[]) => void): void;
}
