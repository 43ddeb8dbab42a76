/**
 * Job states and the one table of allowed transitions.
 *
 *   waiting ──dependencies finished──► queued | skipped | dead   (jobs enqueued with dependsOn)
 *   queued ──claim──► running ──success──────────► succeeded
 *     ▲                  │ ──failure, attempts left─► queued   (run_at = now + backoff)
 *     │                  │ ──failure, exhausted────► dead      (the dead-letter queue)
 *     │                  │ ──cancel honoured───────► cancelled
 *     │                  │ ──lease expired (reaper) / released on shutdown ─► queued | dead | cancelled
 *     │                  │ ──a saga failed for good─► compensating ──► compensated | compensation_failed
 *     └──replay── dead | cancelled          queued ──cancel──► cancelled
 *                                           queued ──overlap policy──► skipped (schedule occurrences)
 *
 * The attempt counter increments at claim and never decreases: it is the fencing token every
 * worker write is conditioned on. A replay or a graceful release moves `attempt_base` instead,
 * so a fresh budget never re-issues a token a stale worker may still hold.
 */
export const JobState = {
  /** Enqueued with dependencies that have not all finished; not claimable yet. */
  Waiting: "waiting",
  Queued: "queued",
  Running: "running",
  Succeeded: "succeeded",
  Dead: "dead",
  Cancelled: "cancelled",
  /** An occurrence of a schedule that was not run (missed, calendar date, overlap policy). */
  Skipped: "skipped",
  /** A saga that failed for good is undoing its completed steps, newest first. */
  Compensating: "compensating",
  /** Every completed step of the saga was undone. */
  Compensated: "compensated",
  /** A compensation ran out of attempts: the saga is half undone and needs a person. */
  CompensationFailed: "compensation_failed",
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

export const JOB_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  waiting: ["queued", "skipped", "dead", "cancelled"],
  queued: ["running", "cancelled", "skipped"],
  running: ["succeeded", "queued", "dead", "cancelled", "compensating"],
  succeeded: [],
  dead: ["queued"],
  cancelled: ["queued"],
  skipped: [],
  compensating: ["compensated", "compensation_failed"],
  compensated: [],
  compensation_failed: ["compensating"],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

export const FINISHED_STATES: readonly JobState[] = [
  "succeeded",
  "dead",
  "cancelled",
  "skipped",
  "compensated",
  "compensation_failed",
];

export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && Object.values(JobState).includes(value as JobState);
}
