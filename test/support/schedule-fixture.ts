import type { TaskFlow } from "../../src/index.js";
import type { FakeClock } from "../../src/time/fake-clock.js";

export interface OccurrenceRow {
  fire_at: Date;
  run_at: Date;
  state: string;
  reason: string | null;
}

/** The jobs of a schedule, oldest occurrence first (read straight from the store). */
export async function occurrencesOf(tf: TaskFlow, scheduleId: string): Promise<OccurrenceRow[]> {
  const driver = (
    tf.store as unknown as { driver: { query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> } }
  ).driver;
  const { rows } = await driver.query<OccurrenceRow>(
    `SELECT fire_at, run_at, state, last_error->>'message' AS reason FROM jobs
     WHERE schedule_id = $1 AND fire_at IS NOT NULL ORDER BY fire_at`,
    [scheduleId],
  );
  return rows.map((row) => ({ ...row, fire_at: new Date(row.fire_at), run_at: new Date(row.run_at) }));
}

/** Moves the fake clock in steps, letting the fire loop's and workers' database I/O finish between them. */
export async function advanceBy(clock: FakeClock, totalMs: number, stepMs = 250): Promise<void> {
  for (let moved = 0; moved < totalMs; moved += stepMs) {
    await clock.advance(Math.min(stepMs, totalMs - moved));
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();
