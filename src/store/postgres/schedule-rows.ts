import type { ResolvedRetryPolicy } from "../../domain/retry-policy.js";
import type {
  CatchupPolicy,
  OverlapPolicy,
  ResolvedSchedule,
  Schedule,
  ScheduleOwner,
  ScheduleTiming,
} from "../../domain/schedule.js";

/** A `schedules` row as either driver returns it. */
export interface ScheduleRow {
  id: string;
  owner: ScheduleOwner;
  task: string;
  payload: unknown;
  spec: Record<string, unknown>;
  timing: ScheduleTiming;
  start_at: Date | string | null;
  end_at: Date | string | null;
  jitter_ms: number;
  catchup: CatchupPolicy;
  catchup_window_ms: number | string;
  max_catchup: number;
  overlap: OverlapPolicy;
  calendars: string[];
  queue: string;
  priority: number;
  max_attempts: number | null;
  timeout_ms: number | null;
  retry: ResolvedRetryPolicy | null;
  paused: boolean;
  next_fire_at: Date | string | null;
  last_fire_at: Date | string | null;
  skipped_count: number | string;
  created_at: Date | string;
  updated_at: Date | string;
}

const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const dateOrNull = (value: Date | string | null) => (value === null ? null : date(value));
const msOrNull = (value: Date | string | null) => (value === null ? null : date(value).getTime());

export function toSchedule(row: ScheduleRow): Schedule {
  return {
    id: row.id,
    owner: row.owner,
    task: row.task,
    payload: row.payload,
    spec: row.spec,
    timing: row.timing,
    overlap: row.overlap,
    catchup: row.catchup,
    paused: row.paused,
    nextFireAt: dateOrNull(row.next_fire_at),
    lastFireAt: dateOrNull(row.last_fire_at),
    skippedCount: Number(row.skipped_count),
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
  };
}

export function toResolvedSchedule(row: ScheduleRow): ResolvedSchedule {
  return {
    id: row.id,
    task: row.task,
    payloadJson: JSON.stringify(row.payload),
    specJson: JSON.stringify(row.spec),
    timing: row.timing,
    startAt: msOrNull(row.start_at),
    endAt: msOrNull(row.end_at),
    jitterMs: row.jitter_ms,
    catchup: row.catchup,
    catchupWindowMs: Number(row.catchup_window_ms),
    maxCatchup: row.max_catchup,
    overlap: row.overlap,
    calendars: row.calendars,
    queue: row.queue,
    priority: row.priority,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    retry: row.retry,
  };
}

/** The JSON the insert/update queries read with jsonb_to_record. */
export function scheduleRecordJson(schedule: ResolvedSchedule, nextFireAt: number | null): string {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const record = {
    id: schedule.id,
    task: schedule.task,
    spec: JSON.parse(schedule.specJson) as unknown,
    timing: schedule.timing,
    start_at: iso(schedule.startAt),
    end_at: iso(schedule.endAt),
    jitter_ms: schedule.jitterMs,
    catchup: schedule.catchup,
    catchup_window_ms: schedule.catchupWindowMs,
    max_catchup: schedule.maxCatchup,
    overlap: schedule.overlap,
    calendars: schedule.calendars,
    queue: schedule.queue,
    priority: schedule.priority,
    max_attempts: schedule.maxAttempts,
    timeout_ms: schedule.timeoutMs,
    retry: schedule.retry,
    next_fire_at: iso(nextFireAt),
  };
  return `${JSON.stringify(record).slice(0, -1)},"payload":${schedule.payloadJson}}`;
}
