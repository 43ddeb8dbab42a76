import type { Job, JobError } from "./job.js";

/** A failed attempt as the store keeps it in the job's history. */
export interface FailedAttemptRecord extends JobError {
  /** The worker that ran it (null if unknown). */
  worker?: string | null;
  startedAt?: string | null;
}

/** One attempt of a job, for the run's timeline. */
export interface JobAttempt {
  /** 1-based within the budget it belonged to (a replay starts a new budget). */
  attempt: number;
  outcome: "failed" | "running" | "succeeded" | "cancelled" | "compensated";
  /** True for an attempt that was undoing a saga's completed steps. */
  compensation: boolean;
  worker: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: JobError | null;
}

/**
 * A job's attempts, oldest first: the failed ones from its error history (the last 25), then the
 * attempt that is running, succeeded, or finished compensating a saga. A dead job's last attempt
 * is its last error.
 */
export function jobAttempts(job: Job, history: FailedAttemptRecord[]): JobAttempt[] {
  const attempts: JobAttempt[] = history.map(({ worker, startedAt, ...error }) => ({
    attempt: error.attempt,
    outcome: error.code === "JOB_CANCELLED" ? "cancelled" : "failed",
    worker: worker ?? null,
    startedAt: startedAt === undefined || startedAt === null ? null : new Date(startedAt),
    finishedAt: new Date(error.at),
    error,
    compensation: error.compensation === true,
  }));
  if (job.state === "running" || job.state === "succeeded") {
    attempts.push({
      attempt: job.attempt,
      outcome: job.state,
      worker: job.leaseOwner,
      startedAt: job.startedAt,
      finishedAt: job.state === "succeeded" ? job.finishedAt : null,
      error: null,
      compensation: false,
    });
  } else if ((job.state === "compensating" && job.leaseOwner !== null) || job.state === "compensated") {
    attempts.push({
      attempt: job.attempt,
      outcome: job.state === "compensated" ? "compensated" : "running",
      worker: job.leaseOwner,
      startedAt: job.startedAt,
      finishedAt: job.state === "compensated" ? job.finishedAt : null,
      error: null,
      compensation: true,
    });
  }
  return attempts;
}
