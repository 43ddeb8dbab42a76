// bench/compare-cron.ts — cron fire lateness of one subject: how late each occurrence's handler
// starts after the occurrence's intended fire time, as the system itself states that time.
import { setTimeout as sleep } from "node:timers/promises";
import { startCpuMeter, type CpuUse } from "./bench-cpu.js";
import { lagStats, type LagStats } from "./cron-lag.js";
import type { BenchSubject } from "./peers/adapter.js";

export interface RecurringOptions {
  fires: number;
  /** A multiple of the period; null: the first occurrence at least `warmupMs` from now. */
  windowStart: number | null;
  warmupMs: number;
  graceMs: number;
}

export interface RecurringRun extends LagStats {
  periodMs: number;
  declaration: string;
  windowStart: string;
  expected: number;
  /** Occurrences of the window whose handler never started (within the grace). */
  missing: number;
  /** Occurrences whose handler started more than once. */
  duplicates: number;
  lagsMs: number[];
  /** Whether the requested window had already begun when the schedule was ready (a later one was used). */
  windowMoved: boolean;
  cpu: CpuUse;
}

/**
 * Starts the subject's schedule, lets its first occurrences pass (catch-up and start-up, not
 * lateness), then records `fires` occurrences: handler start (Date.now() at its first line)
 * minus intended fire time.
 */
export async function benchRecurring(
  subject: BenchSubject,
  options: RecurringOptions,
): Promise<RecurringRun> {
  if (subject.scheduleRecurring === undefined) throw new Error(`${subject.system} has no scheduler`);
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const lags: number[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  const schedule = await subject.scheduleRecurring((intendedAt) => {
    const startedAt = Date.now();
    if (intendedAt < windowStart || intendedAt >= windowEnd) return;
    if (seen.has(intendedAt)) {
      duplicates++;
      return;
    }
    seen.add(intendedAt);
    lags.push(startedAt - intendedAt);
  });
  try {
    const period = schedule.periodMs;
    const ready = Date.now() + options.warmupMs;
    const windowMoved = options.windowStart !== null && options.windowStart < ready;
    windowStart =
      options.windowStart !== null && !windowMoved ? options.windowStart : Math.ceil(ready / period) * period;
    windowEnd = windowStart + options.fires * period;
    const last = windowEnd - period;
    await sleep(Math.max(0, windowStart - Date.now()));
    const cpu = startCpuMeter(null);
    // Until every occurrence has started (and a little longer, to see a duplicate), or the grace ends.
    while (Date.now() < last + options.graceMs) {
      if (seen.size === options.fires && Date.now() > last + Math.min(options.graceMs, 1000)) break;
      await sleep(50);
    }
    const cpuUse = await cpu();
    return {
      ...lagStats(lags),
      periodMs: period,
      declaration: schedule.declaration,
      windowStart: new Date(windowStart).toISOString(),
      expected: options.fires,
      missing: options.fires - seen.size,
      duplicates,
      lagsMs: lags,
      windowMoved,
      cpu: cpuUse,
    };
  } finally {
    await schedule.stop();
  }
}
