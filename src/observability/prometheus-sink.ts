import type { MetricSet } from "./metrics.js";
import type { FencedWrite, JobLabels, MetricsSink, OccurrenceSkipReason, SagaState } from "./metrics-sink.js";

/**
 * The MetricsSink on prom-client. The first time a (task, queue) pair is seen every job
 * counter of the pair is created at 0, so that `increase()` also sees its first dead job (a
 * series that appears at 1 looks like no increase).
 */
export class PrometheusSink implements MetricsSink {
  /** The label object of each (task, queue) pair seen, by task then queue: made once, reused. */
  readonly #seen = new Map<string, Map<string, { task: string; queue: string }>>();

  constructor(private readonly metrics: MetricSet) {}

  jobEnqueued(job: JobLabels, count = 1): void {
    this.#count(this.metrics.jobs.enqueued, job, count);
  }

  attemptStarted(job: JobLabels, waitMs: number, fireLatenessMs: number | null): void {
    this.#count(this.metrics.jobs.started, job);
    this.metrics.queueWait.observe(this.#labels(job), seconds(waitMs));
    if (fireLatenessMs !== null)
      this.metrics.fireLateness.observe({ task: job.task }, seconds(fireLatenessMs));
  }

  attemptEnded(job: JobLabels, durationMs: number): void {
    this.metrics.runDuration.observe(this.#labels(job), seconds(durationMs));
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
    this.metrics.dependencyEnded.inc({ ...this.#labels(job), outcome });
  }

  sagaTransition(job: JobLabels, state: SagaState): void {
    this.metrics.sagaTransitions.inc({ ...this.#labels(job), state });
  }

  leaseExpired(job: JobLabels): void {
    this.metrics.leaseExpiries.inc(this.#labels(job));
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
    counter.inc(this.#labels(job), count);
  }

  /** The pair's labels; the first time the pair is seen, its job counters start at 0. */
  #labels(job: JobLabels): { task: string; queue: string } {
    let byQueue = this.#seen.get(job.task);
    if (byQueue === undefined)
      this.#seen.set(job.task, (byQueue = new Map<string, { task: string; queue: string }>()));
    const known = byQueue.get(job.queue);
    if (known !== undefined) return known;
    const pair = labels(job);
    byQueue.set(job.queue, pair);
    for (const counter of Object.values(this.metrics.jobs)) counter.inc(pair, 0);
    this.metrics.leaseExpiries.inc(pair, 0);
    for (const outcome of ["dead", "skipped"]) this.metrics.dependencyEnded.inc({ ...pair, outcome }, 0);
    return pair;
  }
}

/** Only the label fields: callers pass whole jobs. */
const labels = (job: JobLabels) => ({ task: job.task, queue: job.queue });
const seconds = (ms: number) => Math.max(0, ms) / 1000;
