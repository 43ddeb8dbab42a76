// fenced-worker.ts — a worker node whose `chaos.fenced` attempts are steered by the test over IPC.
// Each attempt writes a first log line, reports `started`, then waits (ignoring its AbortSignal,
// like a handler stuck in a slow call) until the test sends `proceed`. It then tries every kind of
// write a handler has — progress, a stored log line, a transactional completion with a ledger
// insert — reports what each returned, and returns (the plain completion).
// Run: node --import tsx chaos/processes/fenced-worker.ts
import { LeaseLostError, TaskFlow } from "../../src/index.js";
import {
  CHAOS_MAINTENANCE_SETTINGS,
  CHAOS_WORKER_SETTINGS,
  exitOnSigterm,
  exitWhenOrphaned,
  readChaosChildEnv,
} from "./chaos-env.js";
import { FENCED_TASK, type ChildMessage, type ProceedMessage } from "./messages.js";

const env = readChaosChildEnv();
const worker = env.workerId;
const send = (message: ChildMessage) => process.send?.(message);

const proceedWaiters = new Map<string, () => void>();
const proceeded = new Set<string>();
process.on("message", (message: ProceedMessage) => {
  if (message.type !== "proceed") return;
  const key = `${message.jobId}/${message.fence}`;
  proceeded.add(key);
  proceedWaiters.get(key)?.();
});
const proceedSignal = (jobId: string, fence: number) =>
  new Promise<void>((resolve) => {
    const key = `${jobId}/${fence}`;
    if (proceeded.has(key)) resolve();
    else proceedWaiters.set(key, resolve);
  });

const taskflow = await TaskFlow.create({
  database: env.database,
  schema: env.schema,
  logger: "info",
  maintenance: CHAOS_MAINTENANCE_SETTINGS,
  worker: { ...CHAOS_WORKER_SETTINGS, workerId: worker, concurrency: env.concurrency },
});

taskflow.task(FENCED_TASK, {
  run: async (ctx) => {
    const { id: jobId, fence } = ctx.job;
    await ctx.log.info("attempt started", { worker, fence });
    send({ type: "started", worker, jobId, fence });
    await proceedSignal(jobId, fence);

    const progressAccepted = await ctx.progress({ worker, fence });
    let logError: string | null = null;
    try {
      await ctx.log.info("writing after proceed", { worker, fence });
    } catch (error) {
      logError = (error as Error).message;
    }
    let transaction: string;
    try {
      await ctx.transaction(async (tx) => {
        await tx.query("INSERT INTO ledger (job_id, attempt, worker) VALUES ($1, $2, $3)", [
          jobId,
          fence,
          worker,
        ]);
        return { worker, fence, via: "transaction" };
      });
      transaction = "committed";
    } catch (error) {
      transaction = error instanceof LeaseLostError ? "lease-lost" : `error: ${(error as Error).message}`;
    }
    send({ type: "writes", worker, jobId, fence, progressAccepted, transaction, logError });
    return { worker, fence, via: "return" };
  },
});

exitWhenOrphaned();
exitOnSigterm(() => taskflow.stop());
await taskflow.start();
send({ type: "ready", worker });
