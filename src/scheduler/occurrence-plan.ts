import type { ExclusionCalendar, ResolvedSchedule } from "../domain/schedule.js";
import { isExcluded } from "./calendar.js";
import { nextFireAt } from "./next-fire.js";

/** What the planner needs to know of a due schedule. */
export type DueSchedule = Pick<
  ResolvedSchedule,
  "timing" | "startAt" | "endAt" | "jitterMs" | "catchup" | "catchupWindowMs" | "maxCatchup"
> & { nextFireAt: number; calendars: ExclusionCalendar[] };

export type SkipReason = "missed" | "catchup-window" | "calendar";

export interface OccurrencePlan {
  /** Occurrences to enqueue, oldest first; `runAt` includes the jitter. */
  enqueue: { fireAt: number; runAt: number }[];
  /** Occurrences recorded one by one as skipped (at most `recordLimit`). */
  skipped: { fireAt: number; reason: SkipReason }[];
  /** All skipped occurrences, including those beyond `recordLimit`. */
  skippedCount: number;
  /** `skippedCount` by reason. */
  skippedByReason: Record<SkipReason, number>;
  /** How many of `enqueue` are missed occurrences the catch-up policy runs late. */
  caughtUp: number;
  /** The first occurrence not handled here; null when the schedule has no more. */
  nextFireAt: number | null;
}

export interface PlanOptions {
  now: number;
  /** Occurrences up to `now + lookaheadMs` are enqueued ahead, to start on a worker's local timer. */
  lookaheadMs: number;
  /** An occurrence older than `now - misfireMs` was missed (no node fired it in time). */
  misfireMs: number;
  /** Most occurrences looked at in one plan; the rest wait for the next tick. */
  maxOccurrences: number;
  recordLimit: number;
  random: () => number;
}

/**
 * Plans the occurrences of one schedule from its `nextFireAt` up to `now + lookahead`.
 *
 * On-time occurrences (not older than the misfire threshold) are all enqueued. Missed ones
 * follow the catch-up policy: outside `catchupWindow` always skipped; then `skip` skips them,
 * `latest` runs the newest once, `all` runs them oldest first up to `maxCatchup`. Occurrences
 * on an exclusion calendar's dates are skipped. Every skipped occurrence is counted, never lost
 * silently; the first `recordLimit` are recorded one by one.
 */
export function planOccurrences(schedule: DueSchedule, options: PlanOptions): OccurrencePlan {
  const horizon = options.now + options.lookaheadMs;
  const missedBefore = options.now - options.misfireMs;
  const missed: number[] = [];
  const onTime: number[] = [];
  let cursor: number | null = schedule.nextFireAt;
  let skippedCount = 0;
  const skipped: OccurrencePlan["skipped"] = [];
  const skippedByReason: Record<SkipReason, number> = { missed: 0, "catchup-window": 0, calendar: 0 };
  const skip = (fireAt: number, reason: SkipReason) => {
    skippedCount++;
    skippedByReason[reason]++;
    if (skipped.length < options.recordLimit) skipped.push({ fireAt, reason });
  };

  for (let seen = 0; cursor !== null && cursor <= horizon && seen < options.maxOccurrences; seen++) {
    if (schedule.endAt !== null && cursor > schedule.endAt) {
      cursor = null;
      break;
    }
    if (schedule.startAt === null || cursor >= schedule.startAt) {
      if (cursor >= missedBefore) onTime.push(cursor);
      else if (cursor < options.now - schedule.catchupWindowMs) skip(cursor, "catchup-window");
      else missed.push(cursor);
    }
    cursor = nextFireAt(schedule.timing, cursor);
  }
  if (cursor !== null && schedule.endAt !== null && cursor > schedule.endAt) cursor = null;

  // A plan cut short by maxOccurrences inside the missed range has not seen the latest missed
  // occurrence yet: it skips what it saw, and a later plan decides about the rest.
  const sawAllMissed = cursor === null || cursor >= missedBefore;
  const caughtUp = catchUp(schedule, missed, sawAllMissed, skip);
  const enqueue: OccurrencePlan["enqueue"] = [];
  let caughtUpCount = 0;
  for (const [index, fireAt] of [...caughtUp, ...onTime].entries()) {
    if (isExcluded(schedule.calendars, schedule.timing, fireAt)) skip(fireAt, "calendar");
    else {
      enqueue.push({ fireAt, runAt: fireAt + Math.floor(options.random() * (schedule.jitterMs + 1)) });
      if (index < caughtUp.length) caughtUpCount++;
    }
  }
  return { enqueue, skipped, skippedCount, skippedByReason, caughtUp: caughtUpCount, nextFireAt: cursor };
}

function catchUp(
  schedule: DueSchedule,
  missed: number[],
  sawAllMissed: boolean,
  skip: (fireAt: number, reason: SkipReason) => void,
): number[] {
  let run: number[];
  switch (schedule.catchup) {
    case "skip":
      run = [];
      break;
    case "latest":
      run = sawAllMissed ? missed.slice(-1) : [];
      break;
    case "all":
      run = missed.slice(0, schedule.maxCatchup);
      break;
  }
  for (const fireAt of missed) if (!run.includes(fireAt)) skip(fireAt, "missed");
  return run;
}
