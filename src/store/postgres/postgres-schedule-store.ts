import { canonicalJson } from "../../domain/canonical-json.js";
import { ErrorCode, InvalidStateError, NotFoundError } from "../../domain/errors.js";
import type { Job, TraceContext } from "../../domain/job.js";
import type {
  ExclusionCalendar,
  ResolvedSchedule,
  Schedule,
  ScheduleChange,
  ScheduleOwner,
} from "../../domain/schedule.js";
import type {
  ClaimKeys,
  DueSchedule,
  FireOutcome,
  FireRequest,
  PlannedOccurrences,
  ScheduleFilter,
  ScheduleStore,
} from "../schedule-store.js";
import type { SqlDriver, SqlTransaction } from "./drivers/driver.js";
import { toJob, type JobRow } from "./job-rows.js";
import { scheduleRecordJson, toResolvedSchedule, toSchedule, type ScheduleRow } from "./schedule-rows.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  lock: loadQuery("lock_schedule"),
  insert: loadQuery("insert_schedule"),
  update: loadQuery("update_schedule"),
  withdraw: loadQuery("withdraw_occurrences"),
  setState: loadQuery("set_schedule_state"),
  remove: loadQuery("delete_schedule"),
  recordChange: loadQuery("record_schedule_change"),
  get: loadQuery("get_schedule"),
  list: loadQuery("list_schedules"),
  history: loadQuery("schedule_history"),
  claimDue: loadQuery("claim_due_schedules"),
  insertOccurrences: loadQuery("insert_occurrences"),
  advance: loadQuery("advance_schedules"),
  nextFireAt: loadQuery("next_schedule_fire_at"),
  getCalendars: loadQuery("get_calendars"),
  upsertCalendar: loadQuery("upsert_calendar"),
  resolveOverlaps: loadQuery("resolve_overlaps"),
  trigger: loadQuery("insert_triggered_job"),
  lockFollowers: loadQuery("lock_followers"),
  insertEdges: loadQuery("insert_job_dependencies"),
};

/** Chains of `after` schedules deeper than this are cut (a chain is written by hand, not generated). */
const MAX_FOLLOWER_DEPTH = 32;

/** An occurrence just inserted, as insert_occurrences returns it. */
interface InsertedOccurrence {
  id: string | number;
  schedule_id: string;
  fire_at: Date | string;
  state: string;
  task: string;
  queue: string;
  trace_context: unknown;
}

const ts = (ms: number) => new Date(ms);
const iso = (ms: number) => new Date(ms).toISOString();

export class PostgresScheduleStore implements ScheduleStore {
  constructor(
    private readonly driver: SqlDriver,
    private readonly channel: string,
  ) {}

  async upsert(
    schedule: ResolvedSchedule,
    firstFireAt: number | null,
    now: number,
    actor: string,
    owner?: ScheduleOwner,
  ) {
    return this.driver.transaction(async (tx) => {
      let existing = await this.#lock(tx, schedule.id);
      const record = scheduleRecordJson(schedule, firstFireAt);
      const after = JSON.parse(schedule.specJson) as unknown;
      if (existing === null) {
        const { rows } = await tx.query<ScheduleRow>(SQL.insert, [record, ts(now), owner ?? "code"]);
        if (rows[0] !== undefined) {
          await this.#record(tx, schedule.id, now, actor, "created", null, after);
          return { schedule: toSchedule(rows[0]), change: "created" as const };
        }
        // Another node created it since our lock found nothing: it is an update (or unchanged) now.
        existing = await this.#mustLock(tx, schedule.id);
      }
      if (owner !== undefined && existing.owner !== owner) {
        // Checked under the row lock: taskflow.yaml and the API never overwrite each other's schedules.
        throw new InvalidStateError(
          `schedule ${JSON.stringify(schedule.id)} is managed by ${existing.owner === "file" ? "taskflow.yaml" : existing.owner === "api" ? "the API" : "code (tf.schedule)"}, not by ${owner}: change it there`,
          {
            code: ErrorCode.ScheduleOwnedElsewhere,
            details: { schedule: schedule.id, owner: existing.owner },
          },
        );
      }
      if (canonicalJson(existing.spec) === canonicalJson(after)) {
        return { schedule: toSchedule(existing), change: "unchanged" as const };
      }
      // Occurrences enqueued ahead belong to the old definition: none of them may start now.
      await tx.query(SQL.withdraw, [schedule.id]);
      const { rows } = await tx.query<ScheduleRow>(SQL.update, [record, ts(now)]);
      await this.#record(tx, schedule.id, now, actor, "updated", existing.spec, after);
      return { schedule: toSchedule(rows[0] as ScheduleRow), change: "updated" as const };
    });
  }

  async remove(id: string, now: number, actor: string): Promise<boolean> {
    return this.driver.transaction(async (tx) => {
      const existing = await this.#lock(tx, id);
      if (existing === null) return false;
      await tx.query(SQL.withdraw, [id]);
      await tx.query(SQL.remove, [id]);
      await this.#record(tx, id, now, actor, "deleted", existing.spec, null);
      return true;
    });
  }

  async pause(id: string, now: number, actor: string): Promise<Schedule> {
    return this.driver.transaction(async (tx) => {
      const existing = await this.#mustLock(tx, id);
      if (existing.paused) return toSchedule(existing);
      const { rows } = await tx.query<{ fire_at: Date | string }>(SQL.withdraw, [id]);
      // Withdrawn occurrences were never run: the schedule continues from the earliest of them,
      // so resuming applies the catch-up policy to them like to any other missed occurrence.
      const candidates = [...rows.map((r) => new Date(r.fire_at).getTime())];
      if (existing.next_fire_at !== null) candidates.push(new Date(existing.next_fire_at).getTime());
      // A schedule that follows another has no fire times of its own to continue from.
      const next =
        candidates.length === 0 || existing.timing.kind === "after" ? null : ts(Math.min(...candidates));
      const paused = await tx.query<ScheduleRow>(SQL.setState, [id, true, next, ts(now)]);
      await this.#record(tx, id, now, actor, "paused", null, null);
      return toSchedule(paused.rows[0] as ScheduleRow);
    });
  }

  async resume(id: string, now: number, actor: string): Promise<Schedule> {
    return this.driver.transaction(async (tx) => {
      const existing = await this.#mustLock(tx, id);
      if (!existing.paused) return toSchedule(existing);
      const { rows } = await tx.query<ScheduleRow>(SQL.setState, [id, false, existing.next_fire_at, ts(now)]);
      await this.#record(tx, id, now, actor, "resumed", null, null);
      return toSchedule(rows[0] as ScheduleRow);
    });
  }

  async trigger(id: string, now: number, actor: string, traceContext?: TraceContext | null): Promise<Job> {
    return this.driver.transaction(async (tx) => {
      await this.#mustLock(tx, id);
      const { rows } = await tx.query<JobRow>(SQL.trigger, [
        id,
        ts(now),
        this.channel,
        traceContext == null ? null : JSON.stringify(traceContext),
      ]);
      const job = toJob(rows[0] as JobRow);
      await this.#record(tx, id, now, actor, "triggered", null, { jobId: job.id });
      return job;
    });
  }

  async get(id: string): Promise<Schedule | null> {
    const { rows } = await this.driver.query<ScheduleRow>(SQL.get, [id]);
    return rows[0] === undefined ? null : toSchedule(rows[0]);
  }

  async list(filter: ScheduleFilter): Promise<Schedule[]> {
    const { rows } = await this.driver.query<ScheduleRow>(SQL.list, [
      filter.after ?? null,
      filter.limit ?? 100,
      filter.task ?? null,
      filter.owner ?? null,
      filter.search === undefined || filter.search === "" ? null : likePattern(filter.search),
    ]);
    return rows.map(toSchedule);
  }

  async history(id: string): Promise<ScheduleChange[]> {
    const { rows } = await this.driver.query<ScheduleChange & { at: Date | string }>(SQL.history, [id]);
    return rows.map((row) => ({ ...row, at: new Date(row.at) }));
  }

  async putCalendar(calendar: ExclusionCalendar, now: number): Promise<void> {
    await this.driver.query(SQL.upsertCalendar, [calendar.name, JSON.stringify(calendar.ranges), ts(now)]);
  }

  async fireDue(
    request: FireRequest,
    plan: (schedule: DueSchedule) => PlannedOccurrences,
  ): Promise<FireOutcome> {
    return this.driver.transaction(async (tx) => {
      const due = await tx.query<ScheduleRow>(SQL.claimDue, [
        ts(request.now + request.lookaheadMs),
        request.limit,
      ]);
      if (due.rows.length === 0)
        return {
          schedules: 0,
          enqueued: 0,
          duplicates: 0,
          skipped: 0,
          followers: 0,
          enqueuedByTask: [],
          enqueuedOccurrences: [],
        };
      const calendars = await this.#calendars(tx, due.rows);
      const occurrences: Record<string, unknown>[] = [];
      const advances: Record<string, unknown>[] = [];
      let skipped = 0;
      let planned = 0;
      for (const row of due.rows) {
        const schedule: DueSchedule = {
          ...toResolvedSchedule(row),
          nextFireAt: new Date(row.next_fire_at as Date | string).getTime(),
          calendarRanges: row.calendars.map((name) => calendars.get(name)).filter((c) => c !== undefined),
        };
        const result = plan(schedule);
        const job = occurrenceJob(row, result.keys);
        for (const o of result.enqueue)
          occurrences.push({
            ...job,
            fire_at: iso(o.fireAt),
            run_at: iso(o.runAt),
            state: "queued",
            ...(o.traceContext == null ? {} : { trace_context: o.traceContext }),
          });
        for (const s of result.skipped) {
          const error = {
            code: "OCCURRENCE_SKIPPED",
            name: "OccurrenceSkipped",
            message: s.reason,
            attempt: 0,
            at: iso(request.now),
          };
          occurrences.push({
            ...job,
            fire_at: iso(s.fireAt),
            run_at: iso(s.fireAt),
            state: "skipped",
            last_error: error,
          });
        }
        planned += result.enqueue.length;
        skipped += result.skippedCount;
        const lastFire = result.enqueue.at(-1)?.fireAt ?? null;
        advances.push({
          id: row.id,
          next_fire_at: result.nextFireAt === null ? null : iso(result.nextFireAt),
          last_fire_at: lastFire === null ? null : iso(lastFire),
          skipped: result.skippedCount,
        });
      }
      const inserted =
        occurrences.length === 0
          ? []
          : (
              await tx.query<InsertedOccurrence>(SQL.insertOccurrences, [
                JSON.stringify(occurrences),
                ts(request.now),
                this.channel,
              ])
            ).rows;
      await tx.query(SQL.advance, [JSON.stringify(advances), ts(request.now)]);
      const queued = inserted.filter((r) => r.state === "queued");
      const followers = await this.#enqueueFollowers(tx, queued, request);
      const enqueuedByTask = countByTask([...queued, ...followers]);
      return {
        schedules: due.rows.length,
        enqueued: queued.length,
        duplicates: planned - queued.length,
        skipped,
        followers: followers.length,
        enqueuedByTask,
        enqueuedOccurrences: queued.map((r) => ({
          scheduleId: r.schedule_id,
          fireAt: new Date(r.fire_at).getTime(),
        })),
      };
    });
  }

  /**
   * Enqueues, for each occurrence just enqueued, one occurrence of every active schedule that
   * follows its schedule: same fire time, `waiting` on an edge to it (named by the leader's id,
   * the follower's `onFailure`), carrying its trace. Then their followers, and so on. An
   * occurrence already there (UNIQUE (schedule_id, fire_at)) is not enqueued twice.
   */
  async #enqueueFollowers(
    tx: SqlTransaction,
    leaders: InsertedOccurrence[],
    request: FireRequest,
  ): Promise<InsertedOccurrence[]> {
    const enqueued: InsertedOccurrence[] = [];
    let level = leaders;
    for (let depth = 0; depth < MAX_FOLLOWER_DEPTH && level.length > 0; depth++) {
      const { rows: followers } = await tx.query<ScheduleRow>(SQL.lockFollowers, [
        [...new Set(level.map((o) => o.schedule_id))],
      ]);
      if (followers.length === 0) break;
      const occurrences: Record<string, unknown>[] = [];
      const edges = new Map<string, { leader: InsertedOccurrence; onFailure: string }>();
      for (const follower of followers) {
        if (follower.timing.kind !== "after") continue;
        const timing = follower.timing;
        const job = occurrenceJob(
          follower,
          request.keysFor?.(follower.task, JSON.stringify(follower.payload)),
        );
        for (const leader of level.filter((o) => o.schedule_id === timing.schedule)) {
          const fireAt = isoOf(leader.fire_at);
          edges.set(occurrenceKey(follower.id, fireAt), { leader, onFailure: timing.onFailure });
          occurrences.push({
            ...job,
            fire_at: fireAt,
            run_at: fireAt,
            state: "waiting",
            trace_context: leader.trace_context,
          });
        }
      }
      if (occurrences.length === 0) break;
      const { rows: inserted } = await tx.query<InsertedOccurrence>(SQL.insertOccurrences, [
        JSON.stringify(occurrences),
        ts(request.now),
        this.channel,
      ]);
      const links = inserted.map((o) => {
        const edge = edges.get(occurrenceKey(o.schedule_id, isoOf(o.fire_at)));
        return {
          job_id: String(o.id),
          depends_on: String(edge?.leader.id),
          on_failure: edge?.onFailure,
          name: edge?.leader.schedule_id,
        };
      });
      if (links.length > 0) await tx.query(SQL.insertEdges, [JSON.stringify(links)]);
      const last = new Map<string, string>();
      for (const o of inserted) {
        const at = isoOf(o.fire_at);
        if ((last.get(o.schedule_id) ?? "") < at) last.set(o.schedule_id, at);
      }
      await tx.query(SQL.advance, [
        JSON.stringify(
          [...last].map(([id, at]) => ({ id, next_fire_at: null, last_fire_at: at, skipped: 0 })),
        ),
        ts(request.now),
      ]);
      enqueued.push(...inserted);
      level = inserted;
    }
    return enqueued;
  }

  async nextFireAt(): Promise<number | null> {
    const { rows } = await this.driver.query<{ next_fire_at: Date | string }>(SQL.nextFireAt);
    return rows[0] === undefined ? null : new Date(rows[0].next_fire_at).getTime();
  }

  async resolveOverlaps(now: number): Promise<{ skipped: number; skippedByTask: Map<string, number> }> {
    const { rows } = await this.driver.query<{ task: string }>(SQL.resolveOverlaps, [ts(now)]);
    const skippedByTask = new Map<string, number>();
    for (const row of rows) skippedByTask.set(row.task, (skippedByTask.get(row.task) ?? 0) + 1);
    return { skipped: rows.length, skippedByTask };
  }

  async #calendars(tx: SqlTransaction, rows: ScheduleRow[]): Promise<Map<string, ExclusionCalendar>> {
    const names = [...new Set(rows.flatMap((row) => row.calendars))];
    if (names.length === 0) return new Map();
    const { rows: found } = await tx.query<ExclusionCalendar>(SQL.getCalendars, [names]);
    return new Map(found.map((calendar) => [calendar.name, calendar]));
  }

  async #lock(tx: SqlTransaction, id: string): Promise<ScheduleRow | null> {
    const { rows } = await tx.query<ScheduleRow>(SQL.lock, [id]);
    return rows[0] ?? null;
  }

  async #mustLock(tx: SqlTransaction, id: string): Promise<ScheduleRow> {
    const row = await this.#lock(tx, id);
    if (row === null) {
      throw new NotFoundError(`no schedule with id ${JSON.stringify(id)}`, {
        code: ErrorCode.ScheduleNotFound,
        details: { scheduleId: id },
      });
    }
    return row;
  }

  async #record(
    tx: SqlTransaction,
    id: string,
    now: number,
    actor: string,
    action: ScheduleChange["action"],
    before: unknown,
    after: unknown,
  ) {
    await tx.query(SQL.recordChange, [
      id,
      ts(now),
      actor,
      action,
      JSON.stringify(before),
      JSON.stringify(after),
    ]);
  }
}

/** Inserted occurrences counted by their task and queue. */
function countByTask(
  inserted: { task: string; queue: string }[],
): { task: string; queue: string; count: number }[] {
  const counts = new Map<string, { task: string; queue: string; count: number }>();
  for (const { task, queue } of inserted) {
    const key = JSON.stringify([task, queue]);
    const entry = counts.get(key) ?? { task, queue, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}

const occurrenceKey = (scheduleId: string, fireAtIso: string) => `${scheduleId}\u0000${fireAtIso}`;

/** A timestamp from either driver as an ISO string (comparable as text). */
const isoOf = (at: Date | string) => new Date(at).toISOString();

/** The job fields every occurrence of a schedule carries (insert_occurrences adds the rest). */
function occurrenceJob(row: ScheduleRow, keys: ClaimKeys | undefined) {
  return {
    schedule_id: row.id,
    task: row.task,
    queue: row.queue,
    payload: row.payload,
    priority: row.priority,
    max_attempts: row.max_attempts,
    timeout_ms: row.timeout_ms,
    retry: row.retry,
    overlap: row.overlap === "allow" ? null : row.overlap,
    concurrency_key: keys?.concurrencyKey ?? null,
    rate_limit_key: keys?.rateLimitKey ?? null,
    circuit_key: keys?.circuitKey ?? null,
  };
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards taken literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
