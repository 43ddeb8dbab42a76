import type { Job, TraceContext } from "../domain/job.js";
import type {
  ExclusionCalendar,
  ResolvedSchedule,
  Schedule,
  ScheduleChange,
  ScheduleOwner,
} from "../domain/schedule.js";

/** A due schedule, locked for planning, with its calendars loaded. */
export interface DueSchedule extends ResolvedSchedule {
  nextFireAt: number;
  calendarRanges: ExclusionCalendar[];
}

/** What the planner decided for one due schedule. */
export interface PlannedOccurrences {
  /** `traceContext`: the fire span's, stored with the occurrence's job (docs/tracing.md). */
  enqueue: { fireAt: number; runAt: number; traceContext?: TraceContext | null }[];
  skipped: { fireAt: number; reason: string }[];
  skippedCount: number;
  nextFireAt: number | null;
  /** The keys its occurrences carry (from the task definition on the firing node). @defaultValue none */
  keys?: ClaimKeys;
}

/** A job's concurrency key, rate-limit key and circuit key. */
export interface ClaimKeys {
  concurrencyKey: string | null;
  rateLimitKey: string | null;
  circuitKey: string | null;
}

export interface ScheduleFilter {
  /** Schedules whose id sorts after this one (the cursor of the previous page). */
  after?: string;
  /** @defaultValue 100 */
  limit?: number;
  task?: string;
  owner?: ScheduleOwner;
  /** Ids containing this text (case-insensitive). */
  search?: string;
}

export interface FireRequest {
  now: number;
  lookaheadMs: number;
  limit: number;
  /**
   * The keys an occurrence of a task carries (from the task definition on the firing node), for
   * the occurrences of schedules that follow a due one. @defaultValue none
   */
  keysFor?: (task: string, payloadJson: string) => ClaimKeys;
}

export interface FireOutcome {
  /** Schedules planned in this batch (a full batch means more may be due). */
  schedules: number;
  enqueued: number;
  /** Occurrences already present (another node got there first): not enqueued twice. */
  duplicates: number;
  skipped: number;
  /** Occurrences of schedules that follow those enqueued (`after`), enqueued waiting for them. */
  followers: number;
  /** The jobs enqueued (followers included), counted by task and queue. */
  enqueuedByTask: { task: string; queue: string; count: number }[];
  /** Each occurrence enqueued by this call (not those another node had already enqueued). */
  enqueuedOccurrences: { scheduleId: string; fireAt: number }[];
}

/**
 * The schedules part of the Store port. Every change is one transaction that also records the
 * schedule's history and withdraws occurrences an edit or a pause makes obsolete.
 */
export interface ScheduleStore {
  /**
   * Creates or updates; an equal spec changes nothing. `firstFireAt` is computed from now.
   * `owner` is recorded on creation (default `code`). When given, an existing schedule of
   * another owner is refused with SCHEDULE_OWNED_ELSEWHERE (checked under the row lock).
   */
  upsert(
    schedule: ResolvedSchedule,
    firstFireAt: number | null,
    now: number,
    actor: string,
    owner?: ScheduleOwner,
  ): Promise<{ schedule: Schedule; change: "created" | "updated" | "unchanged" }>;
  remove(id: string, now: number, actor: string): Promise<boolean>;
  /** Pauses, withdrawing occurrences enqueued ahead; resume applies the catch-up policy to what was missed. */
  pause(id: string, now: number, actor: string): Promise<Schedule>;
  resume(id: string, now: number, actor: string): Promise<Schedule>;
  /** Runs the schedule's task now, once, outside its cadence. */
  trigger(id: string, now: number, actor: string, traceContext?: TraceContext | null): Promise<Job>;
  get(id: string): Promise<Schedule | null>;
  list(filter: ScheduleFilter): Promise<Schedule[]>;
  history(id: string): Promise<ScheduleChange[]>;
  putCalendar(calendar: ExclusionCalendar, now: number): Promise<void>;

  /**
   * Locks up to `limit` schedules due before `now + lookahead` (SKIP LOCKED), lets `plan` decide
   * their occurrences, then inserts those and advances the schedules in the same transaction.
   */
  fireDue(request: FireRequest, plan: (schedule: DueSchedule) => PlannedOccurrences): Promise<FireOutcome>;
  /** The earliest next occurrence of any active schedule. */
  nextFireAt(): Promise<number | null>;
  /**
   * Records `skip`/`queue` decisions for due occurrences blocked by a running run (`replace` is
   * applied by the claim itself).
   */
  resolveOverlaps(now: number): Promise<{ skipped: number; skippedByTask: Map<string, number> }>;
}
