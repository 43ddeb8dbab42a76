import type { JobState } from "../domain/job-state.js";
import type { ScheduleTiming } from "../domain/schedule.js";

/** The queue right now. Counts stop at `QUEUE_COUNT_CAP` so their cost stays bounded. */
export interface QueueStats {
  /** Queued and due (waiting for a free worker). */
  ready: number;
  /** Queued for later (retries, delays, occurrences enqueued ahead). */
  scheduled: number;
  running: number;
  /** `run_at` of the oldest ready job: how long the queue has been behind. */
  oldestReadyRunAt: Date | null;
  /** True when a count reached the cap (the figure is a lower bound). */
  capped: boolean;
}

export const QUEUE_COUNT_CAP = 100_000;

/** Queued jobs of one task in one queue (the metrics' queue gauges). */
export interface QueueDepth {
  queue: string;
  task: string;
  /** Due, waiting for a worker. */
  ready: number;
  /** Queued for later (retries, delays, occurrences enqueued ahead). */
  delayed: number;
  /** `run_at` of the oldest ready job; null when none is ready. */
  oldestReadyRunAt: Date | null;
}

export interface QueueDepths {
  groups: QueueDepth[];
  /** True when the cap of rows read was reached: the depths are then lower bounds. */
  capped: boolean;
}

/** Jobs that finished in one time bucket. */
export interface ThroughputBucket {
  at: Date;
  succeeded: number;
  dead: number;
  cancelled: number;
}

/** Start of runs of scheduled occurrences (first attempts) after their fire time. */
export interface FireLateness {
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export interface NextFire {
  scheduleId: string;
  task: string;
  at: Date;
  timing: ScheduleTiming;
}

export interface RecentRun {
  id: string;
  state: JobState;
  fireAt: Date | null;
  finishedAt: Date | null;
}

/** What the dashboard's overview and schedule list read; every query is index-bound. */
export interface OverviewStore {
  queueStats(now: number): Promise<QueueStats>;
  /** Queued jobs per queue and task, from the `cap` oldest queued rows at most. */
  queueDepths(now: number, cap: number): Promise<QueueDepths>;
  /** Finished jobs per bucket of `bucketMs` in [from, to). */
  throughput(from: number, to: number, bucketMs: number): Promise<ThroughputBucket[]>;
  /** Over occurrences finished in [from, to). */
  fireLateness(from: number, to: number): Promise<FireLateness>;
  nextFires(limit: number): Promise<NextFire[]>;
  /** The newest `limit` runs of each schedule, newest first. */
  recentRuns(scheduleIds: string[], limit: number): Promise<Map<string, RecentRun[]>>;
}
