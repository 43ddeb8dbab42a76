// A job queue's core promise under crashes: three worker processes run 5,000 jobs while one of
// them is SIGKILLed every 1–2 s and replaced. Every job must end succeeded or dead, and the
// append-only ledger (written in each job's completion transaction) must hold exactly one row per
// succeeded job and none for any other.
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import {
  openChaosDatabase,
  jobFigures,
  ledgerFigures,
  deadReasons,
  type ChaosDatabase,
} from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS, type ChildWorker } from "../../chaos/child-workers.js";
import { LEDGER_TASK } from "../../chaos/processes/messages.js";
import { killWhileUnfinished } from "../../chaos/kill-loop.js";
import { createRandom } from "../../chaos/random.js";

const JOBS = 5000;
const WORKERS = 3;
const CONCURRENCY = 8;
const RUN_DEADLINE_MS = 120_000;

/** Victims and delays come from a fixed seed (the chaos harness's worker-kills runs a random one). */
const random = createRandom(20_251_123);

/** A worker that is up (it reported ready), preferring one that holds jobs right now. */
async function pickVictim(db: ChaosDatabase, slots: ChildWorker[]): Promise<number | null> {
  const ready = slots.flatMap((child, slot) =>
    child.messages.some((m) => m.type === "ready") ? [slot] : [],
  );
  const { rows } = await db.pool.query<{ lease_owner: string }>(
    "SELECT DISTINCT lease_owner FROM jobs WHERE state = 'running' AND lease_owner IS NOT NULL",
  );
  const owners = new Set(rows.map((row) => row.lease_owner));
  const holding = ready.filter((slot) => owners.has((slots[slot] as ChildWorker).workerId));
  const choices = holding.length > 0 ? holding : ready;
  return choices.length === 0 ? null : random.pick(choices);
}

async function leasesHeldBy(db: ChaosDatabase, workerId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM jobs WHERE state = 'running' AND lease_owner = $1",
    [workerId],
  );
  return Number(rows[0]?.n ?? 0);
}

describe.skipIf(!TEST_DATABASE_URL)("worker processes killed with SIGKILL", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it("loses no job and completes none twice while workers are killed and restarted", async () => {
    db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_kill");
    const workers = new ChildWorkers();
    children = workers;
    const enqueued = await db.producer.enqueueMany(
      Array.from({ length: JOBS }, (_, n) => ({ task: LEDGER_TASK, payload: { n } })),
    );
    expect(enqueued.filter((job) => job.created)).toHaveLength(JOBS);

    let generation = 0;
    const startWorker = (slot: number): ChildWorker =>
      workers.spawn(CHILD_SCRIPTS.node, {
        database: db!.url,
        schema: db!.schema,
        workerId: `w${slot}-gen${generation++}`,
        concurrency: CONCURRENCY,
      });
    const slots = Array.from({ length: WORKERS }, (_, slot) => startWorker(slot));

    const started = Date.now();
    const allFinished = async () => {
      workers.failIfAnyCrashed();
      return (await jobFigures(db!.pool, LEDGER_TASK)).unfinished === 0;
    };
    const { kills, killsMidRun } = await killWhileUnfinished({
      workers,
      slots,
      respawn: startWorker,
      finished: allFinished,
      random,
      intervalMs: [1000, 2000],
      deadlineMs: RUN_DEADLINE_MS,
      pickVictim: (all) => pickVictim(db!, all),
      holdsWork: async (victim) => (await leasesHeldBy(db!, victim.workerId)) > 0,
    });
    await eventually(allFinished, 30_000, "every job to reach succeeded or dead");
    const durationMs = Date.now() - started;
    await workers.killAll();

    const jobs = await jobFigures(db.pool, LEDGER_TASK);
    const ledger = await ledgerFigures(db.pool, LEDGER_TASK);
    const dead = jobs.dead > 0 ? await deadReasons(db.pool, LEDGER_TASK) : [];
    console.log(
      JSON.stringify({
        test: "sigkill-workers",
        jobs: JOBS,
        workers: WORKERS,
        kills,
        killsMidRun,
        durationMs,
        succeeded: jobs.succeeded,
        dead: jobs.dead,
        reclaimedJobs: jobs.reclaimedJobs,
        extraAttempts: jobs.extraAttempts,
        ledgerRows: ledger.ledgerRows,
        deadReasons: dead,
        crashedWorkers: workers.crashed.length,
      }),
    );

    expect(
      workers.crashed.map((child) => child.logFile),
      "workers that died on their own",
    ).toEqual([]);
    expect(killsMidRun, "at least one kill must land while the victim held jobs").toBeGreaterThan(0);
    expect(jobs.total).toBe(JOBS);
    expect(jobs.unfinished).toBe(0);
    expect(jobs.succeeded + jobs.dead).toBe(JOBS);
    expect(ledger).toEqual({
      ledgerRows: jobs.succeeded,
      duplicateEffects: 0,
      succeededNotExactlyOnce: 0,
      unsucceededWithRows: 0,
      rowsFromStaleAttempts: 0,
      orphanRows: 0,
    });
  }, 180_000);
});
