import type { JobState } from "../../domain/job-state.js";
import type { ScheduleTiming } from "../../domain/schedule.js";
import {
  QUEUE_COUNT_CAP,
  type FireLateness,
  type NextFire,
  type OverviewStore,
  type QueueDepths,
  type QueueStats,
  type RecentRun,
  type ThroughputBucket,
} from "../overview-store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  queue: loadQuery("overview_queue"),
  queueDepths: loadQuery("queue_depths"),
  throughput: loadQuery("overview_throughput"),
  lateness: loadQuery("overview_fire_lateness"),
  nextFires: loadQuery("next_fires"),
  recentRuns: loadQuery("recent_schedule_runs"),
};

type Count = string | number;
const ts = (ms: number) => new Date(ms);
const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const dateOrNull = (value: Date | string | null) => (value === null ? null : date(value));
const numberOrNull = (value: Count | null) => (value === null ? null : Number(value));

/** The OverviewStore on PostgreSQL. */
export class PostgresOverviewStore implements OverviewStore {
  constructor(private readonly driver: SqlDriver) {}

  async queueStats(now: number): Promise<QueueStats> {
    const { rows } = await this.driver.query<{
      ready: Count;
      scheduled: Count;
      running: Count;
      oldest_ready_run_at: Date | string | null;
    }>(SQL.queue, [ts(now), QUEUE_COUNT_CAP]);
    const row = rows[0];
    const counts = [Number(row?.ready ?? 0), Number(row?.scheduled ?? 0), Number(row?.running ?? 0)] as const;
    return {
      ready: counts[0],
      scheduled: counts[1],
      running: counts[2],
      oldestReadyRunAt: dateOrNull(row?.oldest_ready_run_at ?? null),
      capped: counts.some((count) => count >= QUEUE_COUNT_CAP),
    };
  }

  async queueDepths(now: number, cap: number): Promise<QueueDepths> {
    const { rows } = await this.driver.query<{
      queue: string;
      task: string;
      ready: Count;
      delayed: Count;
      oldest_ready_run_at: Date | string | null;
      scanned: Count;
    }>(SQL.queueDepths, [ts(now), cap]);
    return {
      groups: rows.map((row) => ({
        queue: row.queue,
        task: row.task,
        ready: Number(row.ready),
        delayed: Number(row.delayed),
        oldestReadyRunAt: dateOrNull(row.oldest_ready_run_at),
      })),
      capped: rows.length > 0 && Number(rows[0]?.scanned) >= cap,
    };
  }

  async throughput(from: number, to: number, bucketMs: number): Promise<ThroughputBucket[]> {
    const { rows } = await this.driver.query<{
      bucket: Date | string;
      succeeded: Count;
      dead: Count;
      cancelled: Count;
    }>(SQL.throughput, [ts(from), ts(to), bucketMs]);
    return rows.map((row) => ({
      at: date(row.bucket),
      succeeded: Number(row.succeeded),
      dead: Number(row.dead),
      cancelled: Number(row.cancelled),
    }));
  }

  async fireLateness(from: number, to: number): Promise<FireLateness> {
    const { rows } = await this.driver.query<{
      samples: Count;
      p50_ms: Count | null;
      p99_ms: Count | null;
      max_ms: Count | null;
    }>(SQL.lateness, [ts(from), ts(to)]);
    const row = rows[0];
    return {
      samples: Number(row?.samples ?? 0),
      p50Ms: numberOrNull(row?.p50_ms ?? null),
      p99Ms: numberOrNull(row?.p99_ms ?? null),
      maxMs: numberOrNull(row?.max_ms ?? null),
    };
  }

  async nextFires(limit: number): Promise<NextFire[]> {
    const { rows } = await this.driver.query<{
      id: string;
      task: string;
      next_fire_at: Date | string;
      timing: ScheduleTiming;
    }>(SQL.nextFires, [limit]);
    return rows.map((row) => ({
      scheduleId: row.id,
      task: row.task,
      at: date(row.next_fire_at),
      timing: row.timing,
    }));
  }

  async recentRuns(scheduleIds: string[], limit: number): Promise<Map<string, RecentRun[]>> {
    const runs = new Map<string, RecentRun[]>(scheduleIds.map((id) => [id, []]));
    if (scheduleIds.length === 0) return runs;
    const { rows } = await this.driver.query<{
      schedule_id: string;
      id: Count;
      state: JobState;
      fire_at: Date | string | null;
      finished_at: Date | string | null;
    }>(SQL.recentRuns, [scheduleIds, limit]);
    for (const row of rows) {
      runs.get(row.schedule_id)?.push({
        id: String(row.id),
        state: row.state,
        fireAt: dateOrNull(row.fire_at),
        finishedAt: dateOrNull(row.finished_at),
      });
    }
    return runs;
  }
}
