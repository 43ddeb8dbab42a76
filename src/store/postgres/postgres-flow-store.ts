import type { Lease } from "../../domain/job.js";
import type { SqlClient } from "../../domain/task.js";
import type { FlowStore, OnceClaim, StoredStep } from "../flow-store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { inHeldJobTransaction } from "./held-job-transaction.js";
import { isJobId } from "./job-id.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  listSteps: loadQuery("list_job_steps"),
  recordStep: loadQuery("record_job_step"),
  claimOnce: loadQuery("claim_once"),
  getOnce: loadQuery("get_once"),
  renewOnce: loadQuery("renew_once"),
  completeOnce: loadQuery("complete_once"),
  releaseOnce: loadQuery("release_once"),
  pruneOnce: loadQuery("prune_once_results"),
};

const ts = (ms: number) => new Date(ms);

interface OnceRow {
  owner: string;
  lease_expires_at: Date | string;
  result_json: unknown;
  completed_at: Date | string | null;
}

/** The FlowStore on PostgreSQL (through `pg` or PGlite). */
export class PostgresFlowStore implements FlowStore {
  constructor(private readonly driver: SqlDriver) {}

  async listSteps(jobId: string): Promise<StoredStep[]> {
    if (!isJobId(jobId)) return [];
    const { rows } = await this.driver.query<{
      name: string;
      fence: number;
      result: unknown;
      completed_at: Date | string;
    }>(SQL.listSteps, [jobId]);
    return rows.map((row) => ({
      name: row.name,
      fence: Number(row.fence),
      result: row.result,
      completedAt: new Date(row.completed_at),
    }));
  }

  async recordStep(lease: Lease, name: string, resultJson: string, now: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.recordStep, [
      lease.id,
      lease.fence,
      name,
      resultJson,
      ts(now),
    ]);
    return rows.length > 0;
  }

  async recordStepInTransaction(
    lease: Lease,
    name: string,
    now: number,
    fn: (tx: SqlClient) => Promise<string>,
  ): Promise<string> {
    return inHeldJobTransaction(this.driver, lease, fn, (tx, resultJson) =>
      tx.query(SQL.recordStep, [lease.id, lease.fence, name, resultJson, ts(now)]),
    );
  }

  async claimOnce(
    key: string,
    owner: string,
    now: number,
    leaseMs: number,
    ttlMs: number,
  ): Promise<OnceClaim> {
    const claimed = await this.driver.query(SQL.claimOnce, [key, owner, ts(now), leaseMs, ttlMs]);
    if (claimed.rows.length > 0) return { kind: "owned" };
    const { rows } = await this.driver.query<OnceRow>(SQL.getOnce, [key]);
    const row = rows[0];
    // Deleted between the two statements (released after a failure, or pruned): try again.
    if (row === undefined) return this.claimOnce(key, owner, now, leaseMs, ttlMs);
    if (row.completed_at !== null) return { kind: "done", resultJson: JSON.stringify(row.result_json) };
    return { kind: "busy", leaseExpiresAt: new Date(row.lease_expires_at).getTime() };
  }

  async renewOnce(key: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.renewOnce, [key, owner, ts(now), leaseMs]);
    return rows.length > 0;
  }

  async completeOnce(
    key: string,
    owner: string,
    resultJson: string,
    now: number,
    ttlMs: number,
  ): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.completeOnce, [key, owner, resultJson, ts(now), ttlMs]);
    return rows.length > 0;
  }

  async releaseOnce(key: string, owner: string): Promise<void> {
    await this.driver.query(SQL.releaseOnce, [key, owner]);
  }

  async pruneOnce(now: number, limit: number): Promise<number> {
    const { rows } = await this.driver.query<{ pruned: string | number }>(SQL.pruneOnce, [ts(now), limit]);
    return Number(rows[0]?.pruned ?? 0);
  }
}
