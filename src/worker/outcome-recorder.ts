import type { Logger } from "pino";
import type { ClaimedJob } from "../domain/job.js";
import { NO_METRICS, type FencedWrite, type MetricsSink } from "../observability/metrics-sink.js";
import type { Completion, Failure, Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import { decideFailure } from "./attempt-failure.js";
import { BatchWriter } from "./batch-writer.js";
import { CircuitRecorder } from "./circuit-recorder.js";
import type { AttemptOutcome } from "./job-runner.js";
import { SagaOutcomes } from "./saga-outcomes.js";
import type { RegisteredTask } from "./task-registry.js";

/**
 * Writes what became of each attempt. Completions and failures go out in batches (one
 * statement each per batch, still fenced per job); a write the store refuses means this worker
 * no longer held the job, which is logged and counted and otherwise changes nothing. A
 * transition is counted in the metrics only once the store accepted it.
 */
export class OutcomeRecorder {
  readonly #completions: BatchWriter<Completion>;
  readonly #failures: BatchWriter<Failure>;
  readonly #circuits: CircuitRecorder;
  readonly #sagas: SagaOutcomes;
  #releases = new Set<Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    giveUpAfterMs: number,
    private readonly random: () => number,
    /** Called with the run_at of a job queued again for a retry. */
    private readonly onRetryQueued: (runAt: number) => void,
    private readonly metrics: MetricsSink = NO_METRICS,
  ) {
    this.#completions = new BatchWriter(
      (items) => this.#fenced("complete", items.length, store.complete(items, clock.now())),
      clock,
      logger,
      giveUpAfterMs,
    );
    this.#failures = new BatchWriter(
      (items) => this.#fenced("fail", items.length, store.fail(items, clock.now())),
      clock,
      logger,
      giveUpAfterMs,
    );
    this.#circuits = new CircuitRecorder(store, clock, logger);
    this.#sagas = new SagaOutcomes(store, clock, logger, random, metrics, onRetryQueued);
  }

  /** Counts the items of a fenced statement that the store refused (a statement that failed is no refusal). */
  async #fenced(write: FencedWrite, sent: number, statement: Promise<Set<string>>): Promise<Set<string>> {
    const accepted = await statement;
    this.metrics.staleWriteRejected(write, sent - accepted.size);
    return accepted;
  }

  /** `traceFields`: the attempt span's ids, for the log line about an outcome not recorded. */
  async record(
    job: ClaimedJob,
    outcome: AttemptOutcome,
    task: RegisteredTask,
    traceFields: { traceId: string; spanId: string } | null = null,
  ): Promise<void> {
    const accepted = await (task.saga !== null && job.state === "compensating"
      ? this.#recordCompensation(job, outcome, task)
      : this.#recordAttempt(job, outcome, task));
    if (!accepted)
      this.logger.warn(
        { jobId: job.id, task: job.task, attempt: job.attempt, ...traceFields },
        "job outcome not recorded: this worker no longer held the job (lease lost)",
      );
  }

  /** An attempt undoing a failed saga's steps: compensated, or compensating again, or failed. */
  async #recordCompensation(
    job: ClaimedJob,
    outcome: AttemptOutcome,
    task: RegisteredTask,
  ): Promise<boolean> {
    const saga = task.saga;
    if (saga === null) return false;
    switch (outcome.kind) {
      case "succeeded":
      case "committed":
        return this.#sagas.compensated(job);
      case "failed":
        return this.#sagas.compensationFailed(job, task, saga, outcome.error);
      case "released":
        return this.release([job]);
      case "lease-lost":
        return false;
    }
  }

  async #recordAttempt(job: ClaimedJob, outcome: AttemptOutcome, task: RegisteredTask): Promise<boolean> {
    let accepted = true;
    switch (outcome.kind) {
      case "succeeded":
        accepted = await this.#completions.add({
          id: job.id,
          fence: job.fence,
          resultJson: outcome.resultJson,
        });
        if (accepted) {
          this.metrics.jobSucceeded(job);
          if (task.circuitBreaker !== null) await this.#circuits.record(job, task, null);
        }
        break;
      case "failed": {
        const failure = decideFailure(job, outcome.error, task.retry, this.clock.now(), this.random);
        if (task.saga !== null && failure.state !== "queued") {
          accepted = await this.#sagas.failedForGood(job, failure, outcome.error);
          if (accepted && failure.state === "dead") await this.#circuits.record(job, task, failure.error);
          break;
        }
        accepted = await this.#failures.add(failure);
        if (accepted) {
          if (failure.state === "cancelled") this.metrics.jobCancelled(job);
          else this.metrics.attemptFailed(job, failure.state === "dead" ? "dead" : "retried");
          const next = failure.state === "queued" ? "will retry" : `job is ${failure.state}`;
          const level = failure.state === "dead" ? "error" : "warn";
          this.logger[level](
            {
              jobId: job.id,
              task: job.task,
              attempt: job.attempt,
              err: outcome.error,
              next: failure.state,
              runAt: failure.runAt,
            },
            `job attempt failed; ${next}`,
          );
          if (failure.state === "queued" && failure.runAt !== null) this.onRetryQueued(failure.runAt);
          if (failure.state !== "cancelled") await this.#circuits.record(job, task, failure.error);
        }
        break;
      }
      case "released":
        accepted = await this.release([job]);
        break;
      case "lease-lost":
        accepted = false;
        break;
      case "committed":
        // ctx.transaction committed the completion with the handler's writes.
        this.metrics.jobSucceeded(job);
        if (task.circuitBreaker !== null) await this.#circuits.record(job, task, null);
        break;
    }
    return accepted;
  }

  /** Gives jobs back to the queue at once, their attempt refunded. True if all were still held. */
  async release(jobs: ClaimedJob[]): Promise<boolean> {
    if (jobs.length === 0) return true;
    const write = this.#fenced(
      "release",
      jobs.length,
      this.store.release(
        jobs.map((job) => ({ id: job.id, fence: job.fence })),
        this.clock.now(),
      ),
    );
    this.#releases.add(write);
    try {
      const released = await write;
      return jobs.every((job) => released.has(job.id));
    } catch (error) {
      this.logger.warn(
        { err: error, jobs: jobs.length },
        "releasing jobs failed; their leases will expire instead",
      );
      return false;
    } finally {
      this.#releases.delete(write);
    }
  }

  /** Resolves when every outcome handed in so far is written (or given up). */
  async idle(): Promise<void> {
    await Promise.all([
      this.#completions.idle(),
      this.#failures.idle(),
      ...[...this.#releases].map((p) => p.catch(() => undefined)),
    ]);
  }
}
