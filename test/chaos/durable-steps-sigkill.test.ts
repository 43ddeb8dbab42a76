// Durable steps under crashes: three worker processes run jobs of five transactional steps
// (chaos.steps) while one of them is SIGKILLed every 0.8–1.6 s and replaced, so kills land inside a
// step's transaction (before its commit) and between steps (after a commit). From the ledgers
// alone: every step's effect is committed exactly once, together with the step's record, and no
// step that had completed is started again by a later attempt.
import { afterEach, describe, expect, it } from "vitest";
import { eventually, TEST_DATABASE_URL } from "../support/backends.js";
import {
  jobFigures,
  openChaosDatabase,
  stepLedgerFigures,
  type ChaosDatabase,
} from "../../chaos/chaos-database.js";
import { ChildWorkers, CHILD_SCRIPTS, isReady, type ChildWorker } from "../../chaos/child-workers.js";
import { STEP_NAMES, STEPS_TASK } from "../../chaos/processes/messages.js";
import { killWhileUnfinished } from "../../chaos/kill-loop.js";
import { createRandom } from "../../chaos/random.js";

const JOBS = 100;
const WORKERS = 3;
const CONCURRENCY = 2;
const RUN_DEADLINE_MS = 90_000;

const random = createRandom(20_261_204);

describe.skipIf(!TEST_DATABASE_URL)("durable steps with worker processes killed by SIGKILL", () => {
  let db: ChaosDatabase | undefined;
  let children: ChildWorkers | undefined;

  afterEach(async ({ task }) => {
    await children?.cleanUp(task.result?.state === "fail");
    await db?.close();
  });

  it("commits every step's effect exactly once and never re-runs a completed step", async () => {
    db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_steps");
    const workers = new ChildWorkers();
    children = workers;
    await db.producer.enqueueMany(
      Array.from({ length: JOBS }, (_, n) => ({ task: STEPS_TASK, payload: { n } })),
    );

    let generation = 0;
    const startWorker = (slot: number): ChildWorker =>
      workers.spawn(CHILD_SCRIPTS.node, {
        database: db!.url,
        schema: db!.schema,
        workerId: `w${slot}-gen${generation++}`,
        concurrency: CONCURRENCY,
        seed: random.between(1, 2 ** 31),
      });
    const slots = Array.from({ length: WORKERS }, (_, slot) => startWorker(slot));

    const started = Date.now();
    const allFinished = async () => {
      workers.failIfAnyCrashed();
      return (await jobFigures(db!.pool, STEPS_TASK)).unfinished === 0;
    };
    const { kills, killsMidRun } = await killWhileUnfinished({
      workers,
      slots,
      respawn: startWorker,
      finished: allFinished,
      random,
      intervalMs: [800, 1600],
      deadlineMs: RUN_DEADLINE_MS,
      pickVictim: (all) => {
        const ready = all.flatMap((child, slot) => (isReady(child) ? [slot] : []));
        return ready.length === 0 ? null : random.pick(ready);
      },
      holdsWork: async (victim) => (await stepsInFlight(db!, victim.workerId)) > 0,
    });
    await eventually(allFinished, 30_000, "every job to reach succeeded or dead");
    const durationMs = Date.now() - started;
    await workers.killAll();

    const jobs = await jobFigures(db.pool, STEPS_TASK);
    const steps = await stepLedgerFigures(db.pool, STEPS_TASK, STEP_NAMES.length);
    console.log(
      JSON.stringify({
        test: "durable-steps-sigkill",
        jobs: JOBS,
        kills,
        killsMidRun,
        durationMs,
        ...jobs,
        ...steps,
      }),
    );

    expect(
      workers.crashed.map((child) => child.logFile),
      "workers that died on their own",
    ).toEqual([]);
    expect(kills, "the run must have killed workers").toBeGreaterThanOrEqual(5);
    expect(
      steps.uncommittedStepRuns,
      "some kills must land inside a step, before its commit",
    ).toBeGreaterThan(0);
    expect(jobs.succeeded).toBe(JOBS);
    expect(steps).toMatchObject({
      effects: JOBS * STEP_NAMES.length,
      duplicateEffects: 0,
      effectWithoutRecord: 0,
      succeededIncomplete: 0,
      completedStepReruns: 0,
    });
  }, 180_000);
});

/** Step functions of this worker started and not yet committed, by the ledgers. */
async function stepsInFlight(db: ChaosDatabase, workerId: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM step_runs r
      WHERE r.worker = $1
        AND NOT EXISTS (SELECT 1 FROM step_ledger l
                         WHERE l.job_id = r.job_id AND l.step = r.step AND l.attempt = r.attempt)`,
    [workerId],
  );
  return Number(rows[0]?.n ?? 0);
}
