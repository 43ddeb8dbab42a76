import type { Job, TraceContext } from "../domain/job.js";
import type { ResolvedSchedule, Schedule, ScheduleChange, ScheduleOwner } from "../domain/schedule.js";
import type { ScheduleFilter } from "../store/schedule-store.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import { resolveCalendar } from "./calendar.js";
import { nextFireAt, previewFireTimes } from "./next-fire.js";
import { resolveSchedule, type ScheduleSpec } from "./schedule-spec.js";

export interface ScheduleChangeOptions {
  /** Who made the change, kept in the schedule's history. @defaultValue "code" */
  actor?: string;
  /**
   * Who manages the schedule, recorded when it is created (default `code`). When given, updating
   * a schedule that another owner created is refused (SCHEDULE_OWNED_ELSEWHERE).
   */
  owner?: ScheduleOwner;
}

/** Schedule definitions: validation, first fire time, and the store's transactions. */
export class ScheduleService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** Called after a change, so the local fire loop looks at once. */
    private readonly onChange: () => void,
  ) {}

  /** Creates or updates a schedule; an unchanged spec writes nothing. */
  async upsert(id: string, spec: ScheduleSpec, options: ScheduleChangeOptions = {}): Promise<Schedule> {
    const now = this.clock.now();
    const resolved = resolveSchedule(id, spec, now);
    const { schedule, change } = await this.store.schedules.upsert(
      resolved,
      firstFireAt(resolved, now),
      now,
      options.actor ?? "code",
      options.owner,
    );
    if (change !== "unchanged") this.onChange();
    return schedule;
  }

  async remove(id: string, options: ScheduleChangeOptions = {}): Promise<boolean> {
    return this.store.schedules.remove(id, this.clock.now(), options.actor ?? "code");
  }

  async pause(id: string, options: ScheduleChangeOptions = {}): Promise<Schedule> {
    return this.store.schedules.pause(id, this.clock.now(), options.actor ?? "code");
  }

  async resume(id: string, options: ScheduleChangeOptions = {}): Promise<Schedule> {
    const schedule = await this.store.schedules.resume(id, this.clock.now(), options.actor ?? "code");
    this.onChange();
    return schedule;
  }

  async trigger(
    id: string,
    options: ScheduleChangeOptions = {},
    traceContext: TraceContext | null = null,
  ): Promise<Job> {
    return this.store.schedules.trigger(id, this.clock.now(), options.actor ?? "code", traceContext);
  }

  get(id: string): Promise<Schedule | null> {
    return this.store.schedules.get(id);
  }

  list(filter: ScheduleFilter = {}): Promise<Schedule[]> {
    return this.store.schedules.list(filter);
  }

  history(id: string): Promise<ScheduleChange[]> {
    return this.store.schedules.history(id);
  }

  /** The next `n` fire times of a spec, without saving it (start and end dates applied). */
  preview(spec: ScheduleSpec, n: number): Date[] {
    const now = this.clock.now();
    const resolved = resolveSchedule("preview", spec, now);
    const first = firstFireAt(resolved, now);
    if (first === null) return [];
    const times = [first, ...previewFireTimes(resolved.timing, first, Math.max(0, n - 1))];
    return times.filter((t) => resolved.endAt === null || t <= resolved.endAt).map((t) => new Date(t));
  }

  /**
   * The next `n` fire times of a stored schedule, from its pending `nextFireAt` on its stored
   * timing (an interval keeps its anchor); none while paused. Calendars and jitter not applied.
   */
  upcoming(schedule: Schedule, n: number): Date[] {
    if (schedule.paused || schedule.nextFireAt === null) return [];
    const first = schedule.nextFireAt.getTime();
    const endAt = resolveSchedule(schedule.id, schedule.spec as unknown as ScheduleSpec, first).endAt;
    const times = [first, ...previewFireTimes(schedule.timing, first, Math.max(0, n - 1))];
    return times.filter((t) => endAt === null || t <= endAt).map((t) => new Date(t));
  }

  /** Creates or replaces an exclusion calendar: dates `"2030-12-25"` or ranges `{ from, to }`. */
  async defineCalendar(name: string, dates: (string | { from: string; to: string })[]): Promise<void> {
    await this.store.schedules.putCalendar(resolveCalendar(name, dates), this.clock.now());
    this.onChange();
  }
}

/** The first occurrence after `now`, not before `startAt`, not after `endAt`. */
function firstFireAt(schedule: ResolvedSchedule, now: number): number | null {
  const after = schedule.startAt !== null && schedule.startAt > now ? schedule.startAt - 1 : now;
  const first = nextFireAt(schedule.timing, after);
  if (first === null || (schedule.endAt !== null && first > schedule.endAt)) return null;
  return first;
}
