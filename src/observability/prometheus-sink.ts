import type { MetricSet } from "./metrics.js";
import type { FencedWrite, JobLabels, MetricsSink, OccurrenceSkipReason, SagaState } from "./metrics-sink.js";

/**
 * The MetricsSink on prom-client. The first time a (task, queue) pair is seen every job
 * counter of the pair is created at 0, so that `increase()` also sees its first dead job (a
 * series that appears at 1 looks like no increase).
 */
export class PrometheusSink implements MetricsSink {
  readonly #seen = new Set<string>();

  constructor(private readonly metrics: MetricSet) {}

  jobEnqueued(job: JobLabels, count = 1): void {
    this.#count(this.metrics.jobs.enqueued, job, count);
  }

  attemptStarted(job: JobLabels, waitMs: number, fireLatenessMs: number | null): void {
    this.#count(this.metrics.jobs.started, job);
    this.metrics.queueWait.observe(labels(job), seconds(waitMs));
    if (fireLatenessMs !== null)
      this.metrics.fireLateness.observe({ task: job.task }, seconds(fireLatenessMs));
  }

  attemptEnded(job: JobLabels, durationMs: number): void {
    this.metrics.runDuration.observe(labels(job), seconds(durationMs));
  }

  jobSucceeded(job: JobLabels): void {
    this.#count(this.metrics.jobs.succeeded, job);
  }

  attemptFailed(job: JobLabels, next: "retried" | "dead"): void {
    this.#count(this.metrics.jobs.failed, job);
    this.#count(next === "dead" ? this.metrics.jobs.dead : this.metrics.jobs.retried, job);
  }

  jobCancelled(job: JobLabels): void {
    this.#count(this.metrics.jobs.cancelled, job);
  }

  jobEndedByDependency(job: JobLabels, outcome: "dead" | "skipped"): void {
    if (outcome === "dead") this.#count(this.metrics.jobs.dead, job);
    else this.#touch(job);
    this.metrics.dependencyEnded.inc({ ...labels(job), outcome });
  }

  sagaTransition(job: JobLabels, state: SagaState): void {
    this.metrics.sagaTransitions.inc({ ...labels(job), state });
  }

  leaseExpired(job: JobLabels): void {
    this.#touch(job);
    this.metrics.leaseExpiries.inc(labels(job));
  }

  staleWriteRejected(write: FencedWrite, count = 1): void {
    if (count > 0) this.metrics.staleWrites.inc({ write }, count);
  }

  occurrencesSkipped(task: string, reason: OccurrenceSkipReason, count: number): void {
    if (count > 0) this.metrics.occurrencesSkipped.inc({ task, reason }, count);
  }

  alertDelivery(channel: string, outcome: "delivered" | "retry" | "failed"): void {
    this.metrics.alertDeliveries.inc({ channel, outcome });
  }

  occurrencesCaughtUp(task: string, policy: string, count: number): void {
    if (count > 0) this.metrics.occurrencesCaughtUp.inc({ task, policy }, count);
  }

  #count(counter: MetricSet["jobs"]["enqueued"], job: JobLabels, count = 1): void {
    this.#touch(job);
    counter.inc(labels(job), count);
  }

  #touch(job: JobLabels): void {
    const key = JSON.stringify([job.task, job.queue]);
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    for (const counter of Object.values(this.metrics.jobs)) counter.inc(labels(job), 0);
    this.metrics.leaseExpiries.inc(labels(job), 0);
    for (const outcome of ["dead", "skipped"])
      this.metrics.dependencyEnded.inc({ ...labels(job), outcome }, 0);
  }
}

/** Only the label fields: callers pass whole jobs. */
const labels = (job: JobLabels) => ({ task: job.task, queue: job.queue });
const seconds = (ms: number) => Math.max(0, ms) / 1000;
