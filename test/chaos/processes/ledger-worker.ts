// ledger-worker.ts — a worker node for the chaos tests. Its one task, `chaos.ledger`, writes one
// row to the append-only `ledger` table inside the job's completion transaction, so a ledger row
// exists if and only if the attempt that wrote it completed the job. It takes a few random
// milliseconds, partly inside the transaction, so kills and server shutdowns land mid-run and
// mid-transaction. Run: node --import tsx test/chaos/processes/ledger-worker.ts
import { TaskFlow } from "../../../src/index.js";
import {
  CHAOS_MAINTENANCE_SETTINGS,
  CHAOS_WORKER_SETTINGS,
  exitOnSigterm,
  exitWhenOrphaned,
  readChaosChildEnv,
} from "./chaos-env.js";
import { LEDGER_TASK, type ChildMessage } from "./messages.js";

const MAX_DELAY_BEFORE_MS = 3;
const MAX_DELAY_IN_TRANSACTION_MS = 2;
const randomDelay = (maxMs: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));

const env = readChaosChildEnv();
const taskflow = await TaskFlow.create({
  database: env.database,
  schema: env.schema,
  logger: "info",
  maintenance: CHAOS_MAINTENANCE_SETTINGS,
  worker: { ...CHAOS_WORKER_SETTINGS, workerId: env.workerId, concurrency: env.concurrency },
});

taskflow.task<{ n: number }>(LEDGER_TASK, {
  run: async (ctx) => {
    await randomDelay(MAX_DELAY_BEFORE_MS);
    return ctx.transaction(async (tx) => {
      await tx.query("INSERT INTO ledger (job_id, attempt, worker) VALUES ($1, $2, $3)", [
        ctx.job.id,
        ctx.job.fence,
        env.workerId,
      ]);
      await randomDelay(MAX_DELAY_IN_TRANSACTION_MS);
      return { worker: env.workerId, fence: ctx.job.fence };
    });
  },
});

exitWhenOrphaned();
exitOnSigterm(() => taskflow.stop());
await taskflow.start();
process.send?.({ type: "ready", worker: env.workerId } satisfies ChildMessage);
