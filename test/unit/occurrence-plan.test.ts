import { describe, expect, it } from "vitest";
import type { CatchupPolicy } from "../../src/domain/schedule.js";
import { resolveTiming } from "../../src/scheduler/next-fire.js";
import { planOccurrences, type DueSchedule } from "../../src/scheduler/occurrence-plan.js";

const T0 = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;

/** A schedule every minute from T0 that nobody fired for `missedMinutes`. */
function missed(catchup: CatchupPolicy, missedMinutes: number, overrides: Partial<DueSchedule> = {}) {
  const now = T0 + missedMinutes * MINUTE + 1_000;
  const schedule: DueSchedule = {
    timing: resolveTiming({ every: "1m", startAt: new Date(T0).toISOString() }, T0),
    nextFireAt: T0 + MINUTE,
    startAt: null,
    endAt: null,
    jitterMs: 0,
    catchup,
    catchupWindowMs: 86_400_000,
    maxCatchup: 100,
    calendars: [],
    ...overrides,
  };
  return planOccurrences(schedule, {
    now,
    lookaheadMs: 0,
    misfireMs: 30_000,
    maxOccurrences: 10_000,
    recordLimit: 2,
    random: () => 0,
  });
}

describe("planOccurrences counts for the metrics", () => {
  it("counts every skipped occurrence by reason, beyond those recorded one by one", () => {
    const plan = missed("skip", 10);
    expect(plan.skipped).toHaveLength(2); // recordLimit
    expect(plan.skippedCount).toBe(9); // minutes 1..9 missed; minute 10 is on time
    expect(plan.skippedByReason).toEqual({ missed: 9, "catchup-window": 0, calendar: 0 });
    expect(plan.caughtUp).toBe(0);
    expect(plan.enqueue).toHaveLength(1);
  });

  it("counts the missed occurrences the catch-up policy runs late, apart from the on-time ones", () => {
    expect(missed("latest", 10)).toMatchObject({
      caughtUp: 1,
      skippedByReason: { missed: 8, "catchup-window": 0, calendar: 0 },
    });
    expect(missed("all", 10, { maxCatchup: 5 })).toMatchObject({
      caughtUp: 5,
      skippedByReason: { missed: 4 },
    });
  });

  it("tells occurrences outside the catch-up window from missed ones", () => {
    const plan = missed("all", 10, { catchupWindowMs: 5 * MINUTE });
    expect(plan.skippedByReason).toEqual({ missed: 0, "catchup-window": 5, calendar: 0 });
    expect(plan.caughtUp).toBe(4);
    expect(plan.skippedCount).toBe(5);
  });
});
