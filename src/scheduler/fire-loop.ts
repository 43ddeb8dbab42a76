import type { Logger } from "pino";
import { NO_METRICS, type MetricsSink } from "../observability/metrics-sink.js";
import {
  NO_TRACING,
  TraceAttribute,
  type JobTracing,
  type ProducerSpan,
} from "../observability/job-tracing.js";
import type { Store } from "../store/store.js";
import type { ClaimKeys, DueSchedule, FireOutcome } from "../store/schedule-store.js";
import type { Clock, Timer } from "../time/clock.js";
import {
  planOccurrences,
  type OccurrencePlan,
  type PlanOptions,
  type SkipReason,
} from "./occurrence-plan.js";

export interface FireLoopSettings {
  /** Occurrences are enqueued this far ahead, to start on a worker's local timer. */
  lookaheadMs: number;
  /** Look for due schedules at least this often (schedules created on other nodes). */
  pollIntervalMs: number;
  /** An occurrence older than this when its turn comes was missed: the catch-up policy applies. */
  misfireMs: number;
  batchSize: number;
  random: () => number;
}

/** The concurrency key and rate-limit key of a schedule's occurrences, from its task's definition. */
export type OccurrenceKeys = (task: string, payloadJson: string) => ClaimKeys;

const MAX_OCCURRENCES_PER_PLAN = 10_000;
const RECORD_LIMIT = 100;

/**
 * Turns schedules into jobs. Every node runs it; a due schedule row is locked (SKIP LOCKED) by
 * one node, which enqueues its occurrences and advances `next_fire_at` in one transaction. The
 * UNIQUE key (schedule_id, fire_at) makes a second enqueue of an occurrence impossible, so a
 * node that dies mid-way, or a clock that jumps back, never fires anything twice. No timer per
 * schedule: the loop wakes for the earliest `next_fire_at` of all, read from an index.
 */
const LOCKED_RETRY_MIN_MS = 10;
const LOCKED_RETRY_MAX_MS = 500;

export class FireLoop {
  #timer: Timer | null = null;
  #lockedRetryMs = LOCKED_RETRY_MIN_MS / 2;
  #running = false;
  #ticking: Promise<void> | null = null;
  #again = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: FireLoopSettings,
    private readonly keysFor: OccurrenceKeys,
    private readonly metrics: MetricsSink = NO_METRICS,
    private readonly tracing: JobTracing = NO_TRACING,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    await this.#ticking;
  }

  /** Looks for due schedules now (after a schedule was created or changed here). */
  wake(): void {
    if (!this.#running) return;
    if (this.#ticking !== null) {
      this.#again = true;
      return;
    }
    this.#timer?.cancel();
    this.#ticking = this.#tick().finally(() => {
      this.#ticking = null;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** One pass: plans every due schedule and applies overlap policies; returns how many it planned. */
  async tickOnce(): Promise<number> {
    const now = this.clock.now();
    const options: PlanOptions = {
      now,
      lookaheadMs: this.settings.lookaheadMs,
      misfireMs: this.settings.misfireMs,
      maxOccurrences: MAX_OCCURRENCES_PER_PLAN,
      recordLimit: RECORD_LIMIT,
      random: this.settings.random,
    };
    let planned = 0;
    for (;;) {
      // Counted once the batch's transaction committed: a rolled-back plan changed nothing.
      const decided: { schedule: DueSchedule; plan: OccurrencePlan }[] = [];
      const fires = new FireSpans(this.tracing);
      const outcome = await this.store.schedules
        .fireDue(
          {
            now,
            lookaheadMs: this.settings.lookaheadMs,
            limit: this.settings.batchSize,
            keysFor: this.keysFor,
          },
          (schedule) => {
            const plan = planOccurrences(planInput(schedule), options);
            decided.push({ schedule, plan });
            const enqueue = plan.enqueue.map((occurrence) => fires.start(schedule, occurrence));
            return { ...plan, enqueue, keys: this.keysFor(schedule.task, schedule.payloadJson) };
          },
        )
        .catch((error: unknown) => {
          fires.fail(error);
          throw error;
        });
      fires.end(outcome);
      this.#countFired(outcome, decided);
      if (outcome.skipped > 0)
        this.logger.warn(
          { skipped: outcome.skipped },
          "schedule occurrences skipped (see each schedule's skipped count)",
        );
      if (outcome.duplicates > 0)
        this.logger.debug({ duplicates: outcome.duplicates }, "occurrences already enqueued by another node");
      planned += outcome.schedules;
      if (outcome.schedules < this.settings.batchSize) break;
    }
    const overlaps = await this.store.schedules.resolveOverlaps(now);
    for (const [task, count] of overlaps.skippedByTask)
      this.metrics.occurrencesSkipped(task, "overlap", count);
    return planned;
  }

  #countFired(outcome: FireOutcome, decided: { schedule: DueSchedule; plan: OccurrencePlan }[]): void {
    for (const { task, queue, count } of outcome.enqueuedByTask)
      this.metrics.jobEnqueued({ task, queue }, count);
    for (const { schedule, plan } of decided) {
      for (const [reason, count] of Object.entries(plan.skippedByReason))
        this.metrics.occurrencesSkipped(schedule.task, reason as SkipReason, count);
      this.metrics.occurrencesCaughtUp(schedule.task, schedule.catchup, plan.caughtUp);
    }
  }

  async #tick(): Promise<void> {
    let wakeAt = this.clock.now() + this.settings.pollIntervalMs;
    try {
      const planned = await this.tickOnce();
      const next = await this.store.schedules.nextFireAt();
      const now = this.clock.now();
      // A schedule still due after a pass that planned nothing is locked by another node (its
      // fire transaction is running, or that node froze holding it until the database ends the
      // transaction): look again soon, backing off from 10 ms to 500 ms rather than spinning.
      const stuck = planned === 0 && next !== null && next - this.settings.lookaheadMs <= now;
      this.#lockedRetryMs = stuck
        ? Math.min(LOCKED_RETRY_MAX_MS, this.#lockedRetryMs * 2)
        : LOCKED_RETRY_MIN_MS / 2;
      if (next !== null)
        wakeAt = Math.min(
          wakeAt,
          Math.max(
            now + Math.max(LOCKED_RETRY_MIN_MS, this.#lockedRetryMs),
            next - this.settings.lookaheadMs,
          ),
        );
    } catch (error) {
      this.logger.warn({ err: error }, "firing due schedules failed; retrying");
    }
    if (this.#running) {
      this.#timer = this.clock.setTimer(wakeAt, () => this.wake(), { keepAlive: true });
    }
  }
}

/**
 * The fire spans of one batch: one per occurrence planned, its context stored with the
 * occurrence's job. An occurrence another node had already enqueued is marked as not enqueued.
 */
class FireSpans {
  readonly #spans = new Map<string, ProducerSpan>();

  constructor(private readonly tracing: JobTracing) {}

  start(schedule: DueSchedule, occurrence: { fireAt: number; runAt: number }) {
    const span = this.tracing.startFire(schedule, occurrence);
    this.#spans.set(occurrenceKey(schedule.id, occurrence.fireAt), span);
    return { ...occurrence, traceContext: span.traceContext };
  }

  end(outcome: FireOutcome): void {
    const enqueued = new Set(outcome.enqueuedOccurrences.map((o) => occurrenceKey(o.scheduleId, o.fireAt)));
    for (const [key, span] of this.#spans) span.end({ [ENQUEUED]: enqueued.has(key) });
  }

  fail(error: unknown): void {
    for (const span of this.#spans.values()) span.fail(error);
  }
}

const ENQUEUED = TraceAttribute.OccurrenceEnqueued;

function occurrenceKey(scheduleId: string, fireAt: number): string {
  return `${fireAt}:${scheduleId}`;
}

function planInput(schedule: DueSchedule) {
  return {
    timing: schedule.timing,
    nextFireAt: schedule.nextFireAt,
    startAt: schedule.startAt,
    endAt: schedule.endAt,
    jitterMs: schedule.jitterMs,
    catchup: schedule.catchup,
    catchupWindowMs: schedule.catchupWindowMs,
    maxCatchup: schedule.maxCatchup,
    calendars: schedule.calendarRanges,
  };
}
