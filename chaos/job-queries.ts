// job-queries.ts — what the harness reads from the jobs table while faults are injected: which
// jobs a node holds right now, and what became of them after.
import type pg from "pg";

export interface HeldJob {
  id: string;
  attempt: number;
}

/** Jobs leased to `worker` now (running or in its local buffer: both are `running` rows). */
export async function jobsHeldBy(pool: pg.Pool, worker: string): Promise<HeldJob[]> {
  const { rows } = await pool.query<HeldJob>(
    "SELECT id, attempt FROM jobs WHERE state = 'running' AND lease_owner = $1",
    [worker],
  );
  return rows;
}

/** Workers holding at least one job now. */
export async function workersHoldingJobs(pool: pg.Pool): Promise<Set<string>> {
  const { rows } = await pool.query<{ lease_owner: string }>(
    "SELECT DISTINCT lease_owner FROM jobs WHERE state = 'running' AND lease_owner IS NOT NULL",
  );
  return new Set(rows.map((row) => row.lease_owner));
}

/**
 * How many of `held` (leased to `worker`) it no longer holds: reaped (queued again), claimed
 * again by a later attempt, or finished by someone else.
 */
export async function countNoLongerHeld(pool: pg.Pool, worker: string, held: HeldJob[]): Promise<number> {
  if (held.length === 0) return 0;
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM jobs j
     JOIN unnest($1::bigint[], $2::int[]) AS h(id, attempt) ON h.id = j.id
     WHERE j.attempt > h.attempt OR j.state <> 'running' OR j.lease_owner IS DISTINCT FROM $3`,
    [held.map((job) => job.id), held.map((job) => job.attempt), worker],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Milliseconds from `sinceMs` (database clock) to the next claim of each of `held` by another attempt. */
export async function reclaimDelays(pool: pg.Pool, held: HeldJob[], sinceMs: number): Promise<number[]> {
  if (held.length === 0) return [];
  const { rows } = await pool.query<{ ms: string }>(
    `SELECT extract(epoch FROM j.started_at) * 1000 - $3 AS ms FROM jobs j
     JOIN unnest($1::bigint[], $2::int[]) AS h(id, attempt) ON h.id = j.id
     WHERE j.attempt > h.attempt AND j.started_at IS NOT NULL`,
    [held.map((job) => job.id), held.map((job) => job.attempt), sinceMs],
  );
  return rows.map((row) => Number(row.ms));
}

/**
 * Milliseconds from `sinceMs` (database clock) to the reaper putting each of `held` back in the
 * queue (the LEASE_EXPIRED entry that names `worker` in the job's error history).
 */
export async function requeueDelays(pool: pg.Pool, worker: string, held: HeldJob[], sinceMs: number) {
  if (held.length === 0) return [];
  const { rows } = await pool.query<{ ms: string }>(
    `SELECT extract(epoch FROM (e->>'at')::timestamptz) * 1000 - $3 AS ms
     FROM jobs j, jsonb_array_elements(j.errors) e
     WHERE j.id = ANY ($1::bigint[]) AND e->>'code' = 'LEASE_EXPIRED' AND e->>'worker' = $2`,
    [held.map((job) => job.id), worker, sinceMs],
  );
  return rows.map((row) => Number(row.ms));
}

/** Jobs of `task` whose error history holds a lease expiry (a holder that never gave them back). */
export async function jobsWithLeaseExpiry(pool: pg.Pool, task: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM jobs
     WHERE task = $1 AND (last_error->>'code' = 'LEASE_EXPIRED'
       OR EXISTS (SELECT 1 FROM jsonb_array_elements(errors) e WHERE e->>'code' = 'LEASE_EXPIRED'))`,
    [task],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Executions (handler starts) recorded in the `executions` ledger. */
export async function countExecutions(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>("SELECT count(*) AS n FROM executions");
  return Number(rows[0]?.n ?? 0);
}
