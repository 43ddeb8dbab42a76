import type { Logger } from "pino";
import type { ClaimedJob } from "../domain/job.js";
import type { RegisteredSaga } from "../flow/saga.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import type { Failure, Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import { decideFailure } from "./attempt-failure.js";
import type { RegisteredTask } from "./task-registry.js";

/**
 * What becomes of a saga's attempts, written one by one (sagas are not the hot path):
 *
 *   running ──failed for good (PermanentError, attempts spent) or cancelled──► compensating
 *   compensating (a leased attempt undoing completed steps, newest first)
 *       ──every step undone──► compensated
 *       ──failed, compensation attempts left──► compensating at run_at (backoff)
 *       ──failed, budget spent or a PermanentError──► compensation_failed (needs a person)
 *
 * A forward failure with attempts left is an ordinary retry, recorded by the OutcomeRecorder.
 */
export class SagaOutcomes {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly random: () => number,
    private readonly metrics: MetricsSink,
    /** Called with the run_at of a compensation queued again for a retry. */
    private readonly onRetryQueued: (runAt: number) => void,
  ) {}

  /** The forward attempt failed for good: the saga begins compensating. False if the lease was lost. */
  async failedForGood(job: ClaimedJob, failure: Failure, error: unknown): Promise<boolean> {
    const begun = await this.store.sagas.beginCompensation(failure, failure.error, this.clock.now());
    if (!begun) return false;
    this.metrics.sagaTransition(job, "compensating");
    this.logger.error(
      {
        jobId: job.id,
        task: job.task,
        attempt: job.attempt,
        err: error,
        cancelled: failure.state === "cancelled",
      },
      "saga failed for good; compensating its completed steps",
    );
    this.onRetryQueued(this.clock.now());
    return true;
  }

  /** A compensation attempt undid every completed step. */
  async compensated(job: ClaimedJob): Promise<boolean> {
    const lease = { id: job.id, fence: job.fence };
    if (!(await this.store.sagas.finishCompensation(lease, this.clock.now()))) return false;
    this.metrics.sagaTransition(job, "compensated");
    this.logger.info({ jobId: job.id, task: job.task, attempt: job.attempt }, "saga compensated");
    return true;
  }

  /** A compensation attempt failed: compensate again later, or give up. */
  async compensationFailed(
    job: ClaimedJob,
    task: RegisteredTask,
    saga: RegisteredSaga,
    error: unknown,
  ): Promise<boolean> {
    const decided = decideFailure(
      job,
      error,
      saga.compensationRetry ?? task.retry,
      this.clock.now(),
      this.random,
    );
    const gaveUp = decided.state === "dead";
    // A compensation is not cancelled (the heartbeat reports no cancel for it): try again now.
    const runAt = gaveUp ? null : (decided.runAt ?? this.clock.now());
    const state = gaveUp ? "compensation_failed" : "compensating";
    const written = await this.store.sagas.failCompensation(
      { id: job.id, fence: job.fence, state, runAt, error: decided.error },
      this.clock.now(),
    );
    if (!written) return false;
    const context = { jobId: job.id, task: job.task, attempt: job.attempt, err: error };
    if (gaveUp) {
      this.metrics.sagaTransition(job, "compensation_failed");
      this.logger.error(
        context,
        "saga compensation failed for good; the saga is partly undone and needs a person",
      );
    } else {
      this.logger.warn({ ...context, runAt }, "saga compensation attempt failed; will retry");
      if (runAt !== null) this.onRetryQueued(runAt);
    }
    return true;
  }
}
