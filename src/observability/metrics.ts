import { Counter, Gauge, type Registry } from "prom-client";
import { TallyHistogram } from "./tally-histogram.js";

/** The names of every TaskFlow metric start with this (docs/metrics.md lists them all). */
export const METRIC_PREFIX = "taskflow_";

const JOB = ["task", "queue"] as const;
type JobLabel = (typeof JOB)[number];

/** Seconds: from 5 ms to an hour (handlers range from a quick call to a long batch). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Seconds: from 1 ms (a job picked up at once) to an hour behind. */
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Seconds: the promise is "within milliseconds of its fire time", so the low end is fine-grained. */
const LATENESS_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/**
 * What runs at scrape time: `cluster` sets the gauges read from the store (cached), `local` those
 * of this node's state, `jobCounts` adds the per-attempt counts the sink tallied since the last
 * scrape (jobs started and succeeded are counted without prom-client on the hot path).
 */
export interface ScrapeCollectors {
  cluster(): Promise<void>;
  local(): void;
  jobCounts(): void;
}

const NO_COLLECTORS: ScrapeCollectors = {
  cluster: () => Promise.resolve(),
  local: () => undefined,
  jobCounts: () => undefined,
};

/**
 * The metric set of one TaskFlow instance, registered in its own registry (never the global
 * one, so two instances in one process do not clash). Counters and histograms are fed by the
 * engine through the MetricsSink; the gauges, and the counts tallied per attempt, are set at
 * scrape time by `collectors`.
 */
export function createMetricSet(registry: Registry, collectors: ScrapeCollectors = NO_COLLECTORS) {
  const registers = [registry];
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect?: () => void,
  ) =>
    new Counter<L>({
      name: METRIC_PREFIX + name,
      help,
      labelNames,
      registers,
      ...(collect === undefined ? {} : { collect }),
    });
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    from: "cluster" | "local",
  ) =>
    new Gauge<L>({
      name: METRIC_PREFIX + name,
      help,
      labelNames,
      registers,
      collect: from === "cluster" ? () => collectors.cluster() : () => collectors.local(),
    });
  const histogram = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: number[],
  ) => new TallyHistogram<L>(METRIC_PREFIX + name, help, labelNames, buckets, registers);

  return {
    jobs: {
      enqueued: counter<JobLabel>(
        "jobs_enqueued_total",
        "Jobs created: by enqueue (idempotent repeats excluded), schedule occurrences and triggers.",
        JOB,
      ),
      started: counter<JobLabel>(
        "jobs_started_total",
        "Attempts whose handler started on this node.",
        JOB,
        () => collectors.jobCounts(),
      ),
      succeeded: counter<JobLabel>("jobs_succeeded_total", "Jobs that succeeded.", JOB, () =>
        collectors.jobCounts(),
      ),
      failed: counter<JobLabel>(
        "jobs_failed_total",
        "Attempts that failed (error, timeout, expired lease); each led to a retry or to dead.",
        JOB,
      ),
      retried: counter<JobLabel>("jobs_retried_total", "Failed attempts queued again for a retry.", JOB),
      dead: counter<JobLabel>(
        "jobs_dead_total",
        "Jobs sent to the dead-letter queue (attempts exhausted, a permanent error, or a failed dependency whose edge says fail).",
        JOB,
      ),
      cancelled: counter<JobLabel>("jobs_cancelled_total", "Jobs cancelled (queued or running).", JOB),
    },
    runDuration: histogram<JobLabel>(
      "job_run_duration_seconds",
      "How long an attempt's handler ran, whatever its outcome.",
      JOB,
      DURATION_BUCKETS,
    ),
    queueWait: histogram<JobLabel>(
      "job_queue_wait_seconds",
      "How long an attempt waited after its run_at before its handler started.",
      JOB,
      WAIT_BUCKETS,
    ),
    fireLateness: histogram<"task">(
      "schedule_fire_lateness_seconds",
      "How long after its fire time (jitter included) a schedule occurrence's first attempt started.",
      ["task"],
      LATENESS_BUCKETS,
    ),
    occurrencesSkipped: counter<"task" | "reason">(
      "schedule_occurrences_skipped_total",
      "Schedule occurrences not run: missed, outside the catch-up window, on a calendar date, or by the overlap policy.",
      ["task", "reason"],
    ),
    occurrencesCaughtUp: counter<"task" | "policy">(
      "schedule_occurrences_caught_up_total",
      "Missed schedule occurrences enqueued late by the catch-up policy (latest or all).",
      ["task", "policy"],
    ),
    dependencyEnded: counter<JobLabel | "outcome">(
      "jobs_ended_by_dependency_total",
      "Waiting jobs ended without running because a dependency did not succeed: outcome dead (onFailure fail) or skipped (onFailure skip).",
      [...JOB, "outcome"],
    ),
    leaseExpiries: counter<JobLabel>(
      "lease_expiries_total",
      "Jobs taken back by the reaper from a worker that stopped renewing its lease.",
      JOB,
    ),
    sagaTransitions: counter<JobLabel | "state">(
      "saga_transitions_total",
      "Sagas that began compensating (failed for good or cancelled), were compensated, or whose compensation failed.",
      [...JOB, "state"],
    ),
    alertDeliveries: counter<"channel" | "outcome">(
      "alert_deliveries_total",
      "Alert delivery attempts made by this node, by channel and outcome: delivered, retry (failed, tried again later) or failed (given up).",
      ["channel", "outcome"],
    ),
    staleWrites: counter<"write">(
      "stale_writes_rejected_total",
      "Fenced writes of this node's workers that the store refused because the lease was gone.",
      ["write"],
    ),
    queueDepth: gauge<JobLabel | "status">(
      "queue_depth",
      "Queued jobs in the cluster: status=ready (due, waiting for a worker) or delayed (run_at in the future).",
      [...JOB, "status"],
      "cluster",
    ),
    queueOldestWaiting: gauge<JobLabel>(
      "queue_oldest_waiting_seconds",
      "Age of the oldest ready job in the cluster (now minus its run_at); 0 when none is ready.",
      JOB,
      "cluster",
    ),
    queueDepthCapped: gauge(
      "queue_depth_capped",
      "1 when the queue gauges read their row cap: the depths are then lower bounds.",
      [],
      "cluster",
    ),
    liveNodes: gauge(
      "nodes_live",
      "Nodes that reported themselves to the node registry recently.",
      [],
      "cluster",
    ),
    maxClockSkew: gauge(
      "nodes_clock_skew_max_seconds",
      "The largest clock skew (absolute) that a live node reports against the database clock.",
      [],
      "cluster",
    ),
    leaseHolders: gauge(
      "maintenance_lease_holders",
      "Nodes holding the maintenance lease now, read from the store (1 normally, 0 while none does).",
      [],
      "cluster",
    ),
    leaseHeld: gauge("maintenance_lease_held", "1 while this node holds the maintenance lease.", [], "local"),
    clockSkew: gauge(
      "clock_skew_seconds",
      "This node's wall clock minus the database clock (0 on the embedded store).",
      [],
      "local",
    ),
    circuitBreakers: gauge<"task" | "state">(
      "circuit_breakers",
      "Circuit breakers in the cluster by task and state (closed, open, half_open); one per task, or per key a task names.",
      ["task", "state"],
      "cluster",
    ),
    clusterStatsUp: gauge(
      "cluster_stats_up",
      "1 when the last scrape could read the cluster-wide gauges from the store, else 0.",
      [],
      "cluster",
    ),
  };
}

export type MetricSet = ReturnType<typeof createMetricSet>;
