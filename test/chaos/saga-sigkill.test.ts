// Sagas under crashes: three worker processes run four-step transfers whose third step fails for
// good, while one of them is SIGKILLed every 0.6–1.2 s and replaced, so kills land inside a
// forward step, inside a compensation (before its commit) and between them. From the ledgers
// and the accounts alone: every saga ends compensated, each completed step is undone exactly
// once and newest first, and no money is created or lost (every balance is back where it began).
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import { openChaosDatabase, type ChaosDatabase } from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS, isReady, type ChildWorker } from "../../chaos/child-workers.js";
import { killWhileUnfinished } from "../../chaos/kill-loop.js";
import { SAGA_TASK } from "../../chaos/processes/messages.js";
import type { SagaPayload } from "../../chaos/processes/saga-task.js";
import { createRandom } from "../../chaos/random.js";
import {
  CREATE_SAGA_TABLES,
  SAGA_OPENING_BALANCE,
  sagaAccounts,
  sagaFigures,
} from "../../chaos/saga-ledger.js";

const JOBS = 60;
const WORKERS = 3;
const CONCURRENCY = 2;
const RUN_DEADLINE_MS = 90_000;

const random = createRandom(20_261_206);

describe.skipIf(!TEST_DATABASE_URL)("sagas with worker processes killed by SIGKILL", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it("undoes every completed step exactly once, newest first, and leaves every balance unchanged", async () => {
    db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_saga");
    for (const statement of CREATE_SAGA_TABLES) await db.pool.query(statement);
    const accounts = Array.from({ length: JOBS }, (_, n) => sagaAccounts(n));
    await db.pool.query("INSERT INTO saga_accounts (id, balance) SELECT unnest($1::text[]), $2", [
      accounts.flatMap((a) => [a.from, a.to]),
      SAGA_OPENING_BALANCE,
    ]);
    await db.producer.enqueueMany(
      accounts.map((a, n) => ({ task: SAGA_TASK, payload: { ...a, amount: 10 + n } satisfies SagaPayload })),
    );

    const workers = new ChildWorkers();
    children = workers;
    let generation = 0;
    const startWorker = (slot: number): ChildWorker =>
      workers.spawn(CHILD_SCRIPTS.node, {
        database: db!.url,
        schema: db!.schema,
        workerId: `w${slot}-gen${generation++}`,
        concurrency: CONCURRENCY,
        seed: random.between(1, 2 ** 31),
        sagas: true,
      });
    const slots = Array.from({ length: WORKERS }, (_, slot) => startWorker(slot));

    const started = Date.now();
    const allSettled = async () => {
      workers.failIfAnyCrashed();
      const { rows } = await db!.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM jobs WHERE task = $1 AND state NOT IN ('compensated', 'compensation_failed', 'succeeded', 'dead')",
        [SAGA_TASK],
      );
      return Number(rows[0]?.n) === 0;
    };
    const { kills, killsMidRun } = await killWhileUnfinished({
      workers,
      slots,
      respawn: startWorker,
      finished: allSettled,
      random,
      intervalMs: [600, 1200],
      deadlineMs: RUN_DEADLINE_MS,
      pickVictim: (all) => {
        const ready = all.flatMap((child, slot) => (isReady(child) ? [slot] : []));
        return ready.length === 0 ? null : random.pick(ready);
      },
      holdsWork: async (victim) => {
        const { rows } = await db!.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM jobs WHERE task = $1 AND lease_owner = $2",
          [SAGA_TASK, victim.workerId],
        );
        return Number(rows[0]?.n) > 0;
      },
    });
    await eventually(allSettled, 30_000, "every saga to finish compensating");
    const durationMs = Date.now() - started;
    await workers.killAll();

    const figures = await sagaFigures(db.pool, SAGA_TASK);
    console.log(JSON.stringify({ test: "saga-sigkill", kills, killsMidRun, durationMs, ...figures }));

    expect(
      workers.crashed.map((child) => child.logFile),
      "workers that died on their own",
    ).toEqual([]);
    expect(kills, "the run must have killed workers").toBeGreaterThanOrEqual(5);
    expect(
      figures.compensationsKilledMidRun + figures.stepsKilledMidRun,
      "some kills must land inside a step or a compensation, before its commit",
    ).toBeGreaterThan(0);
    expect(figures).toMatchObject({
      jobs: JOBS,
      compensated: JOBS,
      notCompensated: 0,
      unbalancedAccounts: 0,
      duplicateEntries: 0,
      wrongSequences: 0,
    });
  }, 180_000);
});
