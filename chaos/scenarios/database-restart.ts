// database-restart — the PostgreSQL server crashes under load: three nodes run a stream of jobs
// (idempotency keys on enqueue) and fire schedules every second while the server is stopped in
// `immediate` mode (no clean shutdown: like a crash, WAL replay at the next start) and started
// again a few seconds later. The nodes are not restarted: they must reconnect by themselves.
// Oracle: every job succeeded with exactly one effect, every occurrence ran exactly once; and
// per node, the recovery time: from the start of the new server process (pg_postmaster_start_time(),
// so the server's crash recovery is included) to that node's next committed effect (a job or an
// occurrence it claimed and completed).
//
// This restarts the server everyone on the machine uses: it first waits until no benchmark or
// test run is using it, and always starts it again (in a finally, and on Ctrl-C).
import type pg from "pg";
import { Cluster } from "../cluster.js";
import {
  databaseClockOffset,
  jobFigures,
  ledgerFigures,
  whileReachable,
  type ChaosDatabase,
} from "../chaos-database.js";
import { jobFiguresChecked, scheduleFigures } from "../oracle-figures.js";
import {
  ensureServerRunning,
  findCluster,
  otherServerUsers,
  serverStartedAt,
  stopServer,
  type PostgresCluster,
} from "../postgres-server.js";
import { LEDGER_TASK, SCHEDULED_TASK } from "../processes/messages.js";
import type { ProfileName, Scenario, ScenarioContext } from "../scenario.js";
import { withChaosSchema } from "../scenario-run.js";
import { databaseNow, judgeOccurrences } from "../schedule-oracle.js";
import { sleep, waitFor } from "../wait.js";
import { EARLY_TOLERANCE_MS, WARMUP_MS, settleOccurrences } from "./schedule-scenarios.js";

const SETTINGS: Record<ProfileName, { batches: number; restarts: number }> = {
  quick: { batches: 120, restarts: 1 },
  soak: { batches: 400, restarts: 3 },
};
const NODES = 3;
const SCHEDULES = 40;
const BATCH = 50;
const BATCH_EVERY_MS = 150;
const DOWN_MS: [number, number] = [2000, 4000];
const BUSY_WAIT_MS = 10 * 60_000;

interface Restart {
  /** From the stop command to the server accepting connections again (seen by the harness). */
  downMs: number;
  /** When the new server process started (database clock): the recovery times count from here. */
  startedAt: number;
  /** From that start to the harness seeing it accept connections (crash recovery included). */
  startToAcceptingMs: number;
}

/** Waits (up to 10 min) until no benchmark or test run uses the server; throws if it stays busy. */
async function waitUntilServerIsOurs(context: ScenarioContext): Promise<void> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (;;) {
    const others = await otherServerUsers();
    if (others.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `the server is still used by others after 10 min; not restarting it:\n${others.join("\n")}`,
      );
    context.log(
      `waiting: the server is in use by ${others.length} other process(es): ${others[0]?.slice(0, 120)}`,
    );
    await sleep(15_000);
  }
}

/** Enqueues batch after batch; a batch that fails is sent again with the same idempotency keys. */
async function produceStream(db: ChaosDatabase, batches: number, onBatch: (n: number) => void) {
  let retries = 0;
  for (let batch = 0; batch < batches; batch++) {
    const items = Array.from({ length: BATCH }, (_, k) => {
      const n = batch * BATCH + k;
      return {
        task: LEDGER_TASK,
        payload: { n },
        options: { idempotencyKey: `stream-${n}`, maxAttempts: 25 },
      };
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

/** Stops the server in immediate mode and starts it again (always, even on failure or Ctrl-C). */
async function crashAndRestart(
  context: ScenarioContext,
  server: PostgresCluster,
  offset: number,
  onStopped: () => void,
): Promise<Restart> {
  await waitUntilServerIsOurs(context);
  const downMs = Math.round(context.random.between(...DOWN_MS));
  const unregister = context.onInterrupt(() => ensureServerRunning(server, context.url));
  const stoppedAt = Date.now();
  try {
    context.log(`stopping the server (immediate) for ${downMs} ms`);
    await stopServer(server, "immediate");
    onStopped();
    await sleep(downMs);
  } finally {
    await ensureServerRunning(server, context.url);
    unregister();
  }
  const back = Date.now();
  const startedAt = await serverStartedAt(context.url);
  context.log(`server accepting connections again after ${back - stoppedAt} ms`);
  return {
    downMs: back - stoppedAt,
    startedAt,
    startToAcceptingMs: Math.round(back + offset - startedAt),
  };
}

/** Per node: ms from `since` (database clock) to its first committed effect after it (null: none). */
async function recoveryByNode(
  pool: pg.Pool,
  workers: string[],
  since: number,
): Promise<Record<string, number | null>> {
  const { rows } = await pool.query<{ worker: string; ms: string }>(
    `SELECT worker, extract(epoch FROM min(at)) * 1000 - $1 AS ms FROM (
       SELECT worker, at FROM ledger UNION ALL SELECT worker, at FROM schedule_ledger) e
     WHERE at >= to_timestamp($1 / 1000.0) GROUP BY worker`,
    [since],
  );
  const byWorker = new Map(rows.map((row) => [row.worker, Math.round(Number(row.ms))]));
  return Object.fromEntries(workers.map((worker) => [worker, byWorker.get(worker) ?? null]));
}

export const databaseRestart: Scenario = {
  name: "database-restart",
  summary: "the server stopped in immediate mode and restarted under load: no job lost, none twice",
  run: (context) =>
    withChaosSchema(context, "chaos_restart", async ({ db, children, checks, report }) => {
      const { batches, restarts: restartCount } = SETTINGS[context.profile];
      const server: PostgresCluster = await findCluster(context.url);
      await waitUntilServerIsOurs(context);
      const cluster = new Cluster(children, db, context.random, { concurrency: 8, schedules: SCHEDULES });
      await cluster.start(NODES);
      const offset = await databaseClockOffset(db.pool);
      const from = await databaseNow(db.pool);
      // Restarts spread over the stream, past its first quarter.
      const restartAfter = Array.from({ length: restartCount }, (_, n) =>
        Math.floor(batches * (0.25 + (0.6 * n) / Math.max(1, restartCount))),
      );
      context.log(
        `${NODES} nodes up; ${batches * BATCH} jobs, ${SCHEDULES} schedules; ${restartCount} restart(s)`,
      );

      // The restarts run alongside the stream: the producer sees the outage too (and retries).
      const restarting: Promise<Restart>[] = [];
      const enqueueRetries = await produceStream(db, batches, (batch) => {
        if (!restartAfter.includes(batch)) return;
        const restart = crashAndRestart(context, server, offset, () => report.faults++);
        restart.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
        restarting.push(restart);
      });
      const restarts = await Promise.all(restarting);
      const enqueued = batches * BATCH;

      await waitFor(
        async () => {
          children.failIfAnyCrashed();
          return (await whileReachable(() => jobFigures(db.pool, LEDGER_TASK), null))?.unfinished === 0;
        },
        120_000,
        "every job to finish after the restart",
        200,
      );
      const to = await databaseNow(db.pool);
      await settleOccurrences(children, db.pool, to);
      const workers = cluster.nodes.map((node) => node.workerId);
      const recovery = await Promise.all(restarts.map((r) => recoveryByNode(db.pool, workers, r.startedAt)));
      checks.that(await cluster.stopAll(), "every node stops gracefully (exit code 0)");

      const jobs = jobFiguresChecked(
        enqueued,
        await jobFigures(db.pool, LEDGER_TASK),
        await ledgerFigures(db.pool, LEDGER_TASK),
        checks,
      );
      const verdict = await judgeOccurrences(
        db.pool,
        SCHEDULED_TASK,
        { fromMs: from + WARMUP_MS, toMs: to },
        EARLY_TOLERANCE_MS,
      );
      const occurrences = scheduleFigures(
        verdict,
        checks,
        Math.floor(SCHEDULES * ((to - from - WARMUP_MS) / 1000 - 1)),
      );
      report.figures = {
        nodes: NODES,
        restarts: restarts.length,
        stop_mode: "immediate",
        down_ms: restarts.map((r) => r.downMs),
        start_to_accepting_ms: restarts.map((r) => r.startToAcceptingMs),
        recovery_ms_by_node: recovery,
        enqueue_retries: enqueueRetries,
        ...jobs,
        occurrences: {
          schedules: SCHEDULES,
          judged: occurrences.judged,
          duplicates: occurrences.duplicates,
          missed: occurrences.missed,
          early: occurrences.early,
          fire_lag_ms: occurrences.fire_lag_ms,
          ...(occurrences.problems === undefined ? {} : { problems: occurrences.problems }),
        },
      };
      checks.equal("restarts", restarts.length, restartCount);
      for (const [n, byNode] of recovery.entries())
        for (const [worker, ms] of Object.entries(byNode))
          checks.that(ms !== null, `restart ${n}: ${worker} committed nothing after the server came back`);
    }),
};
