// schedule-scenarios.ts — what the scheduling scenarios share: tolerances and the settle step.
import type pg from "pg";
import type { ChildWorkers } from "../child-workers.js";
import { SCHEDULED_TASK } from "../processes/messages.js";
import { unfinishedOccurrences } from "../schedule-oracle.js";
import { waitFor } from "../wait.js";

/** Occurrences of the first seconds are not judged: the nodes are still warming up. */
export const WARMUP_MS = 2000;
/** A ledger row this much before its fire time is early: more than the clock reading noise. */
export const EARLY_TOLERANCE_MS = 50;

/** Waits until every occurrence due by `toMs` (database clock) has finished. */
export async function settleOccurrences(
  children: ChildWorkers,
  pool: pg.Pool,
  toMs: number,
  timeoutMs = 60_000,
) {
  await waitFor(
    async () => {
      children.failIfAnyCrashed();
      return (await unfinishedOccurrences(pool, SCHEDULED_TASK, toMs)) === 0;
    },
    timeoutMs,
    "every occurrence of the window to finish",
    200,
  );
}
