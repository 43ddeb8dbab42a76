import { LeaseLostError } from "../../domain/errors.js";
import type { Lease } from "../../domain/job.js";
import type { SqlClient } from "../../domain/task.js";
import type { SqlDriver, SqlTransaction } from "./drivers/driver.js";
import { loadQuery } from "./sql-files.js";

const LOCK_HELD = loadQuery("lock_held_job");

/**
 * Runs a handler's `fn` in a transaction fenced by `lease`, then `record`s its outcome (a fenced
 * write returning a row) in the same transaction: both commit, or neither. The row lock taken
 * first keeps the reaper, and so any other attempt, away until the commit. Throws
 * `LeaseLostError` (rolled back) if `lease` no longer holds the job, before or after `fn`.
 */
export function inHeldJobTransaction<T>(
  driver: SqlDriver,
  lease: Lease,
  fn: (tx: SqlClient) => Promise<T>,
  record: (tx: SqlTransaction, value: T) => Promise<{ rows: unknown[] }>,
): Promise<T> {
  return driver.transaction(async (tx) => {
    const held = await tx.query(LOCK_HELD, [lease.id, lease.fence]);
    if (held.rows.length === 0) throw new LeaseLostError(lease.id, lease.fence);
    const value = await fn({ query: (text, params) => tx.query(text, params) });
    const recorded = await record(tx, value);
    if (recorded.rows.length === 0) throw new LeaseLostError(lease.id, lease.fence);
    return value;
  });
}
