// Scheduler nodes killed with SIGKILL: three whole nodes (fire loop and worker) share 200 schedules
// firing every second (half `every: "1s"`, half cron `* * * * * *`), each node upserting all of
// them at boot as replicas of one deployment do. Every 2–5 s a random node is SIGKILLed —
// mid fire transaction, mid claim or mid handler, wherever it is — and started again; the others
// stay up. Then, with every node up and no more kills, the run settles and the nodes stop
// gracefully. Oracle: for each schedule, every fire time of the chaos window (computed from the
// stored timing) has exactly one job, succeeded, with exactly one row in the append-only ledger
// its handler writes inside the completion transaction — none missed, none run twice.
// CHAOS_SCHEDULE_SECONDS sets the chaos window (default 25 s: the chaos harness's sigkill-nodes
// scenario runs the longer version, `npm run chaos`); the victims and delays come from a fixed seed.
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import { openChaosDatabase, type ChaosDatabase } from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS, type ChildWorker } from "../../chaos/child-workers.js";
import { SCHEDULED_TASK } from "../../chaos/processes/messages.js";
import { createRandom } from "../../chaos/random.js";
import {
  createScheduleLedger,
  databaseNow,
  judgeOccurrences,
  unfinishedOccurrences,
} from "../../chaos/schedule-oracle.js";

const SCHEDULES = 200;
const NODES = 3;
const CONCURRENCY = 10;
const CHAOS_SECONDS = Number(process.env.CHAOS_SCHEDULE_SECONDS ?? 25);
const random = createRandom(20_251_123);
/** Occurrences of the first seconds are not judged: the first nodes are still warming up. */
const WARMUP_MS = 2000;
/** After the last kill: a lease (2 s) expires, is reaped (every 500 ms) and its job runs again. */
const SETTLE_TIMEOUT_MS = 30_000;
const EARLY_TOLERANCE_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isReady = (child: ChildWorker) => child.messages.some((m) => m.type === "ready");

async function holdsJobs(db: ChaosDatabase, workerId: string): Promise<boolean> {
  const { rows } = await db.pool.query(
    "SELECT 1 FROM jobs WHERE state = 'running' AND lease_owner = $1 LIMIT 1",
    [workerId],
  );
  return rows.length > 0;
}

describe.skipIf(!TEST_DATABASE_URL)("scheduler nodes killed with SIGKILL", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it(
    "fires every occurrence of every schedule once, none missed, none twice",
    async () => {
      db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_sched");
      await createScheduleLedger(db.pool);
      const workers = new ChildWorkers();
      children = workers;
      let generation = 0;
      const startNode = (slot: number): ChildWorker =>
        workers.spawn(CHILD_SCRIPTS.node, {
          database: db!.url,
          schema: db!.schema,
          workerId: `n${slot}-gen${generation++}`,
          concurrency: CONCURRENCY,
          schedules: SCHEDULES,
        });
      // All nodes boot at once: every one of them upserts the same 200 schedules concurrently.
      const slots = Array.from({ length: NODES }, (_, slot) => startNode(slot));
      const allReady = () => {
        workers.failIfAnyCrashed();
        return slots.every(isReady);
      };
      await eventually(allReady, 60_000, "every node to upsert the schedules and start");
      const { rows } = await db.pool.query<{ n: string }>("SELECT count(*) AS n FROM schedules");
      expect(Number(rows[0]?.n)).toBe(SCHEDULES);

      const chaosFrom = await databaseNow(db.pool);
      const chaosUntil = Date.now() + CHAOS_SECONDS * 1000;
      let kills = 0;
      let killsMidRun = 0;
      for (;;) {
        const killAt = Date.now() + random.between(2000, 5000);
        if (killAt > chaosUntil) break;
        while (Date.now() < killAt) {
          workers.failIfAnyCrashed();
          await sleep(100);
        }
        // A node that is still booting is not killed, so that another is always up and firing.
        const ready = slots.flatMap((child, slot) => (isReady(child) ? [slot] : []));
        if (ready.length < 2) continue;
        const slot = random.pick(ready);
        const victim = slots[slot] as ChildWorker;
        if (await holdsJobs(db, victim.workerId)) killsMidRun++;
        await workers.signal(victim, "SIGKILL");
        kills++;
        slots[slot] = startNode(slot);
      }
      while (Date.now() < chaosUntil) await sleep(100);
      const chaosTo = await databaseNow(db.pool);

      // Settle: every node up again, every occurrence of the chaos window finished.
      await eventually(allReady, 60_000, "every restarted node to start");
      await eventually(
        async () => {
          workers.failIfAnyCrashed();
          return (await unfinishedOccurrences(db!.pool, SCHEDULED_TASK, chaosTo)) === 0;
        },
        SETTLE_TIMEOUT_MS,
        "every occurrence of the chaos window to finish",
      );
      await Promise.all(slots.map((child) => workers.signal(child, "SIGTERM")));

      const verdict = await judgeOccurrences(
        db.pool,
        SCHEDULED_TASK,
        { fromMs: chaosFrom + WARMUP_MS, toMs: chaosTo },
        EARLY_TOLERANCE_MS,
      );
      console.log(
        JSON.stringify({
          test: "schedule-sigkill",
          schedules: SCHEDULES,
          nodes: NODES,
          chaosSeconds: CHAOS_SECONDS,
          kills,
          killsMidRun,
          judged: verdict.judged,
          claimLagMs: verdict.claimLagMs,
          fireLagMs: verdict.fireLagMs,
          fireLagMsByKind: verdict.fireLagMsByKind,
          reclaimed: verdict.reclaimed,
          missing: verdict.missing,
          notSucceeded: verdict.notSucceeded,
          succeededNotExactlyOnce: verdict.succeededNotExactlyOnce,
          duplicateJobs: verdict.duplicateJobs,
          duplicateEffects: verdict.duplicateEffects,
          strayEffects: verdict.strayEffects,
          earlyEffects: verdict.earlyEffects,
          offGrid: verdict.offGrid,
          skippedAnywhere: verdict.skippedAnywhere,
          examples: verdict.examples,
        }),
      );

      expect(
        workers.crashed.map((child) => child.logFile),
        "nodes that died on their own",
      ).toEqual([]);
      expect(
        slots.map((child) => child.exit),
        "every node stops gracefully at the end",
      ).toEqual(slots.map(() => ({ code: 0, signal: null })));
      expect(kills, "nodes killed during the chaos window").toBeGreaterThanOrEqual(
        Math.floor(CHAOS_SECONDS / 6),
      );
      expect(verdict.judged).toBeGreaterThanOrEqual(
        SCHEDULES * Math.floor(CHAOS_SECONDS - WARMUP_MS / 1000 - 1),
      );
      expect(verdict.examples, "problems found").toEqual([]);
      expect(verdict).toMatchObject({
        missing: 0,
        notSucceeded: {},
        succeededNotExactlyOnce: 0,
        duplicateJobs: 0,
        duplicateEffects: 0,
        strayEffects: 0,
        earlyEffects: 0,
        offGrid: 0,
        skippedAnywhere: 0,
      });
    },
    (CHAOS_SECONDS + 150) * 1000,
  );
});
