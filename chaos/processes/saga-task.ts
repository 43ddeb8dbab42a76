// saga-task.ts — `chaos.saga`, the saga crash test's handler: a four-step transfer (reserve,
// debit, credit, confirm) whose third step fails for good, so every job ends by undoing its
// debit and its reservation. Each step and compensation lingers inside its transaction and again
// after it, so a SIGKILL lands before and after commits, during the forward run and during the
// compensation.
import pg from "pg";
import { PermanentError, type SqlClient, type TaskFlow } from "../../src/index.js";
import type { Random } from "../random.js";
import type { ChaosChildEnv } from "./chaos-env.js";
import { SAGA_TASK } from "./messages.js";

export interface SagaPayload {
  from: string;
  to: string;
  amount: number;
}

/** Registers `chaos.saga`; returns a cleanup. */
export function registerSagaTask(
  taskflow: TaskFlow,
  env: ChaosChildEnv,
  random: Random,
): () => Promise<void> {
  const worker = env.workerId;
  let runs: pg.Pool | null = null;
  const runsPool = (): pg.Pool => {
    if (runs !== null) return runs;
    runs = new pg.Pool({ connectionString: env.database, max: 2, options: `-c search_path=${env.schema}` });
    runs.on("error", () => undefined);
    return runs;
  };
  const pause = (min: number, max: number) =>
    new Promise((resolve) => setTimeout(resolve, random.between(min, max)));

  /** Records the start (at once), then the effect and the ledger row inside the step's transaction. */
  const effect = async (
    tx: SqlClient,
    ctx: { job: { id: string; fence: number } },
    entry: string,
    write: () => Promise<unknown>,
  ) => {
    await runsPool().query("INSERT INTO saga_runs (job_id, entry, attempt, worker) VALUES ($1, $2, $3, $4)", [
      ctx.job.id,
      entry,
      ctx.job.fence,
      worker,
    ]);
    await write();
    await tx.query("INSERT INTO saga_ledger (job_id, entry, attempt, worker) VALUES ($1, $2, $3, $4)", [
      ctx.job.id,
      entry,
      ctx.job.fence,
      worker,
    ]);
    await pause(10, 60);
  };
  const move = (tx: SqlClient, account: string, delta: number) =>
    tx.query("UPDATE saga_accounts SET balance = balance + $2 WHERE id = $1", [account, delta]);

  taskflow.saga<SagaPayload>(SAGA_TASK, {
    maxAttempts: 50,
    retry: { kind: "fixed", delay: "100ms" },
    compensation: { maxAttempts: 50, retry: { kind: "fixed", delay: "100ms" } },
    steps: [
      {
        name: "reserve",
        transactional: true,
        run: (ctx, tx) => effect(tx, ctx, "reserve", () => pause(0, 5)),
        compensate: (ctx, tx) => effect(tx, ctx, "undo reserve", () => pause(0, 5)),
      },
      {
        name: "debit",
        transactional: true,
        run: (ctx, tx) => effect(tx, ctx, "debit", () => move(tx, ctx.payload.from, -ctx.payload.amount)),
        compensate: (ctx, tx) =>
          effect(tx, ctx, "undo debit", () => move(tx, ctx.payload.from, ctx.payload.amount)),
      },
      {
        name: "credit",
        transactional: true,
        run: async (ctx, tx) => {
          await effect(tx, ctx, "credit", () => move(tx, ctx.payload.to, ctx.payload.amount));
          // The payee's bank refuses: the credit rolls back with this throw, and the saga is undone.
          throw new PermanentError("payee account closed");
        },
        compensate: (ctx, tx) =>
          effect(tx, ctx, "undo credit", () => move(tx, ctx.payload.to, -ctx.payload.amount)),
      },
      {
        name: "confirm",
        irreversible: true,
        run: () => Promise.reject(new Error("confirm must never run: credit always fails")),
      },
    ],
  });
  return async () => {
    await runs?.end().catch(() => undefined);
  };
}
