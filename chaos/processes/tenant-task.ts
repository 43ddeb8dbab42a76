// tenant-task.ts — `chaos.tenant`, the concurrency-key test's handler: it records its run's start
// and end in key_runs (see ../key-runs.ts) and works a few milliseconds in between. The producer
// gives some jobs a concurrency key per tenant and leaves others without, as a control.
import pg from "pg";
import type { TaskFlow } from "../../src/index.js";
import type { Random } from "../random.js";
import type { ChaosChildEnv } from "./chaos-env.js";
import { TENANT_TASK } from "./messages.js";

export interface TenantPayload {
  tenant: string;
  keyed: boolean;
}

/** Registers `chaos.tenant`; returns a cleanup. */
export function registerTenantTask(
  taskflow: TaskFlow,
  env: ChaosChildEnv,
  random: Random,
): () => Promise<void> {
  let runs: pg.Pool | null = null;
  const pool = (): pg.Pool => {
    if (runs !== null) return runs;
    runs = new pg.Pool({ connectionString: env.database, max: 4, options: `-c search_path=${env.schema}` });
    runs.on("error", () => undefined);
    return runs;
  };
  taskflow.task<TenantPayload>(TENANT_TASK, {
    run: async (ctx) => {
      const { rows } = await pool().query<{ id: string }>(
        "INSERT INTO key_runs (job_id, tenant, keyed, attempt, worker) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        [ctx.job.id, ctx.payload.tenant, ctx.payload.keyed, ctx.job.fence, env.workerId],
      );
      await new Promise((resolve) => setTimeout(resolve, random.between(5, 25)));
      await pool().query("UPDATE key_runs SET ended_at = clock_timestamp() WHERE id = $1", [rows[0]?.id]);
    },
  });
  return async () => {
    await runs?.end().catch(() => undefined);
  };
}
