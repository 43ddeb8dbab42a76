// The database goes away under load: three worker processes run a steady stream of 2,000 jobs
// (each writing a ledger row inside its completion transaction) while the PostgreSQL server is
// shut down (fast mode: open transactions rolled back, every connection closed) and started again
// a couple of seconds later. The workers are not restarted: they must reconnect by themselves,
// and every job must still succeed with exactly one ledger row.
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import {
  deadReasons,
  jobFigures,
  ledgerFigures,
  openChaosDatabase,
  whileReachable,
  type ChaosDatabase,
} from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS } from "../../chaos/child-workers.js";
import {
  ensureServerRunning,
  findCluster,
  stopServer,
  type PostgresCluster,
} from "../../chaos/postgres-server.js";
import { LEDGER_TASK } from "../../chaos/processes/messages.js";

const JOBS = 2000;
const BATCH = 50;
const BATCH_EVERY_MS = 150;
/** The server goes down once this many batches are enqueued (and the workers are busy). */
const RESTART_AFTER_BATCHES = 14;
const DOWN_FOR_MS = 2500;
const WORKERS = 3;
const CONCURRENCY = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Enqueues the stream batch by batch; a batch that fails (server down) is sent again with the
 * same idempotency keys, so a batch that committed before its answer was lost is not doubled. */
async function produceStream(db: ChaosDatabase, onBatch: (batch: number) => void): Promise<number> {
  let retries = 0;
  for (let batch = 0; batch * BATCH < JOBS; batch++) {
    const items = Array.from({ length: BATCH }, (_, k) => {
      const n = batch * BATCH + k;
      return { task: LEDGER_TASK, payload: { n }, options: { idempotencyKey: `stream-${n}` } };
    });
    const giveUpAt = Date.now() + 60_000;
    for (;;) {
      try {
        await db.producer.enqueueMany(items);
        break;
      } catch (error) {
        if (Date.now() > giveUpAt) throw new Error("enqueueing failed for 60 s", { cause: error });
        retries++;
        await sleep(200);
      }
    }
    onBatch(batch + 1);
    await sleep(BATCH_EVERY_MS);
  }
  return retries;
}

interface ServerRestart {
  /** From the stop command to the server accepting connections again. */
  downMs: number;
  /** The database clock once it is back: ledger rows after this prove a worker resumed. */
  backAt: Date;
}

async function restartServer(
  cluster: PostgresCluster,
  url: string,
  db: ChaosDatabase,
): Promise<ServerRestart> {
  const stopAt = Date.now();
  try {
    await stopServer(cluster);
    await sleep(DOWN_FOR_MS);
  } finally {
    await ensureServerRunning(cluster, url);
  }
  const downMs = Date.now() - stopAt;
  const { rows } = await db.pool.query<{ now: Date }>("SELECT clock_timestamp() AS now");
  return { downMs, backAt: (rows[0] as { now: Date }).now };
}

describe.skipIf(!TEST_DATABASE_URL)("the PostgreSQL server restarting under load", () => {
  const url = TEST_DATABASE_URL as string;
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;
  let cluster: PostgresCluster | undefined;

  afterEach(async ({ task }) => {
    if (cluster !== undefined) await ensureServerRunning(cluster, url);
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it("is survived by the workers without a restart, every job completed exactly once", async () => {
    cluster = await findCluster(url);
    db = await openChaosDatabase(url, "chaos_restart");
    const workers = new ChildWorkers();
    children = workers;
    const slots = Array.from({ length: WORKERS }, (_, slot) =>
      workers.spawn(CHILD_SCRIPTS.node, {
        database: url,
        schema: db!.schema,
        workerId: `w${slot}`,
        concurrency: CONCURRENCY,
      }),
    );
    await eventually(
      () => slots.every((child) => child.messages.some((m) => m.type === "ready")),
      30_000,
      "every worker to start",
    );

    const started = Date.now();
    const restarts: Promise<ServerRestart>[] = [];
    const enqueueRetries = await produceStream(db, (batches) => {
      if (batches !== RESTART_AFTER_BATCHES) return;
      const restart = restartServer(cluster as PostgresCluster, url, db!);
      restart.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      restarts.push(restart);
    });
    expect(restarts, "the server restarts once, mid-stream").toHaveLength(1);
    const { downMs, backAt } = await (restarts[0] as Promise<ServerRestart>);

    const pool = db.pool;
    await eventually(
      async () => {
        workers.failIfAnyCrashed();
        return (await whileReachable(() => jobFigures(pool, LEDGER_TASK), null))?.unfinished === 0;
      },
      90_000,
      "every job to reach a final state after the restart",
    );
    const durationMs = Date.now() - started;
    const crashed = workers.crashed.map((child) => ({ log: child.logFile, exit: child.exit }));
    await workers.killAll();

    const jobs = await jobFigures(pool, LEDGER_TASK);
    const ledger = await ledgerFigures(pool, LEDGER_TASK);
    const dead = jobs.dead > 0 ? await deadReasons(pool, LEDGER_TASK) : [];
    const { rows: resumed } = await pool.query<{ worker: string; n: string }>(
      "SELECT worker, count(*) AS n FROM ledger WHERE at > $1 GROUP BY worker ORDER BY worker",
      [backAt],
    );
    const rowsAfterRestartByWorker = Object.fromEntries(resumed.map((r) => [r.worker, Number(r.n)]));
    console.log(
      JSON.stringify({
        test: "database-restart",
        jobs: JOBS,
        workers: WORKERS,
        downMs,
        durationMs,
        enqueueRetries,
        succeeded: jobs.succeeded,
        dead: jobs.dead,
        reclaimedJobs: jobs.reclaimedJobs,
        extraAttempts: jobs.extraAttempts,
        ledgerRows: ledger.ledgerRows,
        rowsAfterRestartByWorker,
        deadReasons: dead,
        crashedWorkers: crashed,
      }),
    );

    expect(crashed, "workers that died on their own").toEqual([]);
    expect(jobs.total).toBe(JOBS);
    expect({ succeeded: jobs.succeeded, dead: dead }).toEqual({ succeeded: JOBS, dead: [] });
    expect(ledger).toEqual({
      ledgerRows: JOBS,
      duplicateEffects: 0,
      succeededNotExactlyOnce: 0,
      unsucceededWithRows: 0,
      rowsFromStaleAttempts: 0,
      orphanRows: 0,
    });
    // Every worker process (none was restarted) completed jobs after the server came back.
    expect(Object.keys(rowsAfterRestartByWorker).sort()).toEqual(slots.map((child) => child.workerId).sort());
  }, 180_000);
});
