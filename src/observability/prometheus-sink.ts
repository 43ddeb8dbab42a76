import type { MetricSet } from "./metrics.js";
import type { FencedWrite, JobLabels, MetricsSink, OccurrenceSkipReason, SagaState } from "./metrics-sink.js";
import type { HistogramSeries } from "./tally-histogram.js";

type JobLabel = "task" | "queue";

/**
 * What one (task, queue) pair reports per attempt, kept so that an attempt costs a few
 * additions: the two histograms' series (made at the pair's first attempt, so a node that only
 * enqueues exports none), and the started and succeeded counts not yet added to their counters
 * (`addJobCounts`, at scrape time).
 */
interface PairTally {
  labels: { task: string; queue: string };
  queueWait: HistogramSeries<JobLabel> | null;
  runDuration: HistogramSeries<JobLabel> | null;
  started: number;
  succeeded: number;
}

/**
 * The MetricsSink on prom-client. The first time a (task, queue) pair is seen every job
 * counter of the pair is created at 0, so that `increase()` also sees its first dead job (a
 * series that appears at 1 looks like no increase).
 */
export class PrometheusSink implements MetricsSink {
  /** Each (task, queue) pair seen, by task then queue: made once, reused. */
  readonly #seen = new Map<string, Map<string, PairTally>>();

  constructor(private readonly metrics: MetricSet) {}

  /** Adds the started and succeeded counts tallied since the last call to their counters. */
  addJobCounts(): void {
    for (const byQueue of this.#seen.values()) {
      for (const pair of byQueue.values()) {
        if (pair.started > 0) this.metrics.jobs.started.inc(pair.labels, pair.started);
        if (pair.succeeded > 0) this.metrics.jobs.succeeded.inc(pair.labels, pair.succeeded);
        pair.started = 0;
        pair.succeeded = 0;
      }
    }
  }

  jobEnqueued(job: JobLabels, count = 1): void {
    this.#count(this.metrics.jobs.enqueued, job, count);
  }

  attemptStarted(job: JobLabels, waitMs: number, fireLatenessMs: number | null): void {
    const pair = this.#pair(job);
    pair.started++;
    (pair.queueWait ??= this.metrics.queueWait.series(pair.labels)).observe(seconds(waitMs));
    if (fireLatenessMs !== null)
      this.metrics.fireLateness.observe({ task: job.task }, seconds(fireLatenessMs));
  }

  attemptEnded(job: JobLabels, durationMs: number): void {
    const pair = this.#pair(job);
    (pair.runDuration ??= this.metrics.runDuration.series(pair.labels)).observe(seconds(durationMs));
  }

  jobSucceeded(job: JobLabels): void {
    this.#pair(job).succeeded++;
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

  /** Only the label fields (callers pass whole jobs), one object per pair. */
  #labels(job: JobLabels): { task: string; queue: string } {
    return this.#pair(job).labels;
  }

  /** The pair's tally; the first time the pair is seen, its job counters start at 0. */
  #pair(job: JobLabels): PairTally {
    let byQueue = this.#seen.get(job.task);
    if (byQueue === undefined) this.#seen.set(job.task, (byQueue = new Map<string, PairTally>()));
    const known = byQueue.get(job.queue);
    if (known !== undefined) return known;
    const labels = { task: job.task, queue: job.queue };
    const pair: PairTally = { labels, queueWait: null, runDuration: null, started: 0, succeeded: 0 };
    byQueue.set(job.queue, pair);
    for (const counter of Object.values(this.metrics.jobs)) counter.inc(labels, 0);
    this.metrics.leaseExpiries.inc(labels, 0);
    for (const outcome of ["dead", "skipped"]) this.metrics.dependencyEnded.inc({ ...labels, outcome }, 0);
    return pair;
  }
}
const seconds = (ms: number) => Math.max(0, ms) / 1000;
