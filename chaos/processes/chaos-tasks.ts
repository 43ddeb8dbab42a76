// chaos-tasks.ts — the handlers of a `chaos-node`. Each writes its effect to an append-only
// ledger inside the job's completion transaction (`ctx.transaction`), so a ledger row exists if
// and only if the attempt that wrote it completed the job: the oracle counts effects from there.
import pg from "pg";
import { LeaseLostError, type TaskFlow } from "../../src/index.js";
import type { Random } from "../random.js";
import type { ChaosChildEnv, MsRange } from "./chaos-env.js";
import { registerSagaTask } from "./saga-task.js";
import { registerTenantTask } from "./tenant-task.js";
import {
  LEDGER_TASK,
  POISON_TASK,
  SCHEDULED_TASK,
  STEP_NAMES,
  STEPS_TASK,
  type ChildMessage,
} from "./messages.js";

const send = (message: ChildMessage) => process.send?.(message);

/** Waits `ms`; ends early with the signal's reason unless `ignoreAbort`. */
function work(ms: number, signal: AbortSignal, ignoreAbort: boolean): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    if (ignoreAbort) return;
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

const draw = (random: Random, range: MsRange | undefined, fallback: MsRange) => {
  const [min, max] = range ?? fallback;
  return random.between(min, max);
};

/**
 * Registers `chaos.ledger`, `chaos.scheduled`, `chaos.steps`, `chaos.poison`, `chaos.tenant` and,
 * when asked, `chaos.saga`; returns a cleanup.
 */
export function registerChaosTasks(
  taskflow: TaskFlow,
  env: ChaosChildEnv,
  random: Random,
): () => Promise<void> {
  const worker = env.workerId;
  const behaviour = env.ledgerJob ?? {};
  const ignoreAbort = behaviour.ignoreAbort ?? false;
  const executions =
    env.executionLedger === true
      ? new pg.Pool({ connectionString: env.database, max: 2, options: `-c search_path=${env.schema}` })
      : null;
  executions?.on("error", () => undefined);

  taskflow.task<{ n: number }>(LEDGER_TASK, {
    run: async (ctx) => {
      const { id: jobId, fence } = ctx.job;
      await executions?.query("INSERT INTO executions (job_id, attempt, worker) VALUES ($1, $2, $3)", [
        jobId,
        fence,
        worker,
      ]);
      await work(draw(random, behaviour.beforeMs, [0, 3]), ctx.signal, ignoreAbort);
      if (behaviour.progress === true && !(await ctx.progress({ worker, fence })))
        send({ type: "refused", worker, jobId, fence, write: "progress" });
      try {
        return await ctx.transaction(async (tx) => {
          await tx.query("INSERT INTO ledger (job_id, attempt, worker) VALUES ($1, $2, $3)", [
            jobId,
            fence,
            worker,
          ]);
          await work(draw(random, behaviour.inTransactionMs, [0, 2]), ctx.signal, true);
          return { worker, fence };
        });
      } catch (error) {
        if (error instanceof LeaseLostError)
          send({ type: "refused", worker, jobId, fence, write: "transaction" });
        throw error;
      }
    },
  });

  taskflow.task(SCHEDULED_TASK, {
    run: (ctx) =>
      ctx.transaction(async (tx) => {
        await tx.query(
          "INSERT INTO schedule_ledger (job_id, schedule_id, fire_at, attempt, worker) VALUES ($1, $2, $3, $4, $5)",
          [ctx.job.id, ctx.job.scheduleId, ctx.job.fireAt, ctx.job.fence, worker],
        );
        await work(draw(random, env.scheduledInTransactionMs, [0, 0]), ctx.signal, true);
        return { worker, fence: ctx.job.fence };
      }),
  });

  // Five transactional steps. Each step's start is committed to step_runs at once (so a re-run
  // shows); its effect goes to step_ledger in the step's own transaction, then it lingers inside
  // that transaction and again after the commit, so a SIGKILL lands before and after commits.
  let stepRuns: pg.Pool | null = null;
  const stepRunsPool = (): pg.Pool => {
    if (stepRuns !== null) return stepRuns;
    stepRuns = new pg.Pool({
      connectionString: env.database,
      max: 2,
      options: `-c search_path=${env.schema}`,
    });
    stepRuns.on("error", () => undefined);
    return stepRuns;
  };
  taskflow.task(STEPS_TASK, {
    maxAttempts: 50,
    retry: { kind: "fixed", delay: "100ms" },
    run: async (ctx) => {
      const { id: jobId, fence } = ctx.job;
      for (const step of STEP_NAMES) {
        await ctx.transactionalStep(step, async (tx) => {
          await stepRunsPool().query(
            "INSERT INTO step_runs (job_id, step, attempt, worker) VALUES ($1, $2, $3, $4)",
            [jobId, step, fence, worker],
          );
          await tx.query("INSERT INTO step_ledger (job_id, step, attempt, worker) VALUES ($1, $2, $3, $4)", [
            jobId,
            step,
            fence,
            worker,
          ]);
          await work(random.between(10, 60), ctx.signal, true);
          return { worker, fence };
        });
        await work(random.between(5, 30), ctx.signal, false);
      }
      return { worker, fence };
    },
  });

  // Like a handler that runs the machine out of memory: every attempt takes the node down.
  taskflow.task(POISON_TASK, {
    run: () => {
      process.kill(process.pid, "SIGKILL");
      return new Promise<never>(() => undefined);
    },
  });

  const closeTenantTask = registerTenantTask(taskflow, env, random);
  const closeSagaTask = env.sagas === true ? registerSagaTask(taskflow, env, random) : null;

  return async () => {
    await executions?.end().catch(() => undefined);
    await stepRuns?.end().catch(() => undefined);
    await closeTenantTask();
    await closeSagaTask?.();
  };
}
