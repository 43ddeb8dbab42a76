// Nodes with skewed wall clocks: three whole nodes (fire loop and worker) share 100 schedules
// firing every second — one node's wall clock runs 30 s ahead, one 30 s behind (libfaketime),
// one is right. The database clock is the authority: each node calibrates against it, so the
// skewed ones must neither run an occurrence early (judged by the database clock, in the ledger
// their handlers write), nor twice, nor miss one, and must report the skew they were given. The
// node 30 s ahead boots alone first and creates the schedules: their `every` anchors and creation
// times must be database time too, not its own.
// CHAOS_SKEW_SECONDS sets how long they fire together (default 15 s).
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import { openChaosDatabase, type ChaosDatabase } from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS, type ChildWorker } from "../../chaos/child-workers.js";
import { findLibfaketime, skewedClockEnv } from "../../chaos/faketime.js";
import { SCHEDULED_TASK, type ChildMessage } from "../../chaos/processes/messages.js";
import {
  createScheduleLedger,
  databaseNow,
  judgeOccurrences,
  unfinishedOccurrences,
} from "../../chaos/schedule-oracle.js";

type ClockReport = Extract<ChildMessage, { type: "clock" }>;

const SCHEDULES = 100;
const CONCURRENCY = 10;
const FIRING_SECONDS = Number(process.env.CHAOS_SKEW_SECONDS ?? 15);
const WARMUP_MS = 1000;
const EARLY_TOLERANCE_MS = 50;
/** How far a node's measured skew may be from the one injected. */
const SKEW_TOLERANCE_MS = 2000;
const NODES = [
  { workerId: "ahead-30s", offset: "+30s", skewMs: 30_000 },
  { workerId: "right", offset: null, skewMs: 0 },
  { workerId: "behind-30s", offset: "-30s", skewMs: -30_000 },
] as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface NodeClock {
  injectedSkewMs: number;
  /** Its Date.now() minus ours when its report arrived: proves libfaketime took hold. */
  wallClockOffsetMs: number;
  /** `tf.clockSkewMs`: what TaskFlow measured against the database. */
  clockSkewMs: number;
}

/** Waits for a node's clock report and compares its raw wall clock with ours on arrival. */
async function clockOf(
  workers: ChildWorkers,
  child: ChildWorker,
  injectedSkewMs: number,
): Promise<NodeClock> {
  const isClock = (m: ChildMessage): m is ClockReport => m.type === "clock";
  await eventually(
    () => {
      workers.failIfAnyCrashed();
      return child.messages.some(isClock);
    },
    60_000,
    `${child.workerId} to start and report its clock`,
  );
  const report = child.messages.find(isClock) as ClockReport;
  return {
    injectedSkewMs,
    wallClockOffsetMs: report.wallClockMs - Date.now(),
    clockSkewMs: report.clockSkewMs,
  };
}

describe.skipIf(!TEST_DATABASE_URL)("nodes whose wall clocks are skewed", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it(
    "fire nothing early, nothing twice and miss nothing, and report their skew",
    async () => {
      const libfaketime = findLibfaketime();
      db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_skew");
      await createScheduleLedger(db.pool);
      const workers = new ChildWorkers();
      children = workers;
      const startNode = (node: (typeof NODES)[number]): ChildWorker =>
        workers.spawn(
          CHILD_SCRIPTS.node,
          {
            database: db!.url,
            schema: db!.schema,
            workerId: node.workerId,
            concurrency: CONCURRENCY,
            schedules: SCHEDULES,
          },
          node.offset === null ? {} : skewedClockEnv(libfaketime, node.offset),
        );

      const createdFrom = await databaseNow(db.pool);
      const first = startNode(NODES[0]);
      const clocks: Record<string, NodeClock> = {};
      clocks[first.workerId] = await clockOf(workers, first, NODES[0].skewMs);
      const createdTo = await databaseNow(db.pool);
      const others = NODES.slice(1).map((node) => startNode(node));
      for (const [n, child] of others.entries())
        clocks[child.workerId] = await clockOf(
          workers,
          child,
          (NODES[n + 1] as (typeof NODES)[number]).skewMs,
        );
      const nodes = [first, ...others];
      await eventually(
        () => nodes.every((child) => child.messages.some((m) => m.type === "ready")),
        10_000,
        "every node to be ready",
      );

      const firingFrom = await databaseNow(db.pool);
      const firingUntil = Date.now() + FIRING_SECONDS * 1000;
      while (Date.now() < firingUntil) {
        workers.failIfAnyCrashed();
        await sleep(100);
      }
      const firingTo = await databaseNow(db.pool);
      await eventually(
        async () => {
          workers.failIfAnyCrashed();
          return (await unfinishedOccurrences(db!.pool, SCHEDULED_TASK, firingTo)) === 0;
        },
        15_000,
        "every occurrence of the firing window to finish",
      );
      await Promise.all(nodes.map((child) => workers.signal(child, "SIGTERM")));

      const { rows: schedules } = await db.pool.query<{
        id: string;
        anchor_ms: string | null;
        created_ms: string;
      }>(
        `SELECT id, timing->>'anchorMs' AS anchor_ms, extract(epoch FROM created_at) * 1000 AS created_ms
         FROM schedules`,
      );
      const createdOutside = schedules.filter((s) =>
        [s.anchor_ms, s.created_ms].some(
          (ms) =>
            ms !== null &&
            (Number(ms) < createdFrom - EARLY_TOLERANCE_MS || Number(ms) > createdTo + EARLY_TOLERANCE_MS),
        ),
      );
      const verdict = await judgeOccurrences(
        db.pool,
        SCHEDULED_TASK,
        { fromMs: firingFrom + WARMUP_MS, toMs: firingTo },
        EARLY_TOLERANCE_MS,
      );
      console.log(
        JSON.stringify({
          test: "skewed-clock",
          schedules: SCHEDULES,
          firingSeconds: FIRING_SECONDS,
          judged: verdict.judged,
          claimLagMs: verdict.claimLagMs,
          fireLagMs: verdict.fireLagMs,
          fireLagMsByKind: verdict.fireLagMsByKind,
          nodes: Object.fromEntries(
            Object.entries(clocks).map(([worker, clock]) => [
              worker,
              { ...clock, ...verdict.workers[worker] },
            ]),
          ),
          schedulesCreatedOffDatabaseTime: createdOutside.length,
          missing: verdict.missing,
          notSucceeded: verdict.notSucceeded,
          duplicateEffects: verdict.duplicateEffects,
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
      for (const [worker, clock] of Object.entries(clocks)) {
        expect(
          Math.abs(clock.wallClockOffsetMs - clock.injectedSkewMs),
          `${worker}: Date.now() is off by ${clock.wallClockOffsetMs} ms, not the ${clock.injectedSkewMs} ms injected (is libfaketime working?)`,
        ).toBeLessThan(SKEW_TOLERANCE_MS);
        expect(
          Math.abs(clock.clockSkewMs - clock.injectedSkewMs),
          `${worker}: tf.clockSkewMs is ${clock.clockSkewMs}, the skew injected ${clock.injectedSkewMs}`,
        ).toBeLessThan(SKEW_TOLERANCE_MS);
        expect(verdict.workers[worker]?.effects ?? 0, `${worker}: occurrences it ran`).toBeGreaterThan(0);
        // Its claims are stamped with its calibrated clock, the ledger with the database's.
        const claimToEffect = verdict.workers[worker]?.claimToEffectP50Ms ?? NaN;
        expect(claimToEffect, `${worker}: median ledger time minus claim time`).toBeGreaterThan(
          -EARLY_TOLERANCE_MS,
        );
        expect(claimToEffect, `${worker}: median ledger time minus claim time`).toBeLessThan(1000);
      }
      expect(
        createdOutside.map((s) => s.id),
        "schedules anchored or stamped by a skewed clock instead of the database's",
      ).toEqual([]);
      expect(verdict.judged).toBeGreaterThanOrEqual(SCHEDULES * (FIRING_SECONDS - 2));
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
    (FIRING_SECONDS + 120) * 1000,
  );
});
