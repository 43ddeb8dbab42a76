// chaos-database.ts — the parent side of a chaos run: a schema of its own on the real server,
// the append-only ledgers the children write, and the oracle queries that read jobs and ledgers.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { TaskFlow } from "../src/index.js";
import { CREATE_KEY_RUNS } from "./key-runs.js";

export interface ChaosDatabase {
  readonly url: string;
  readonly schema: string;
  /** A producer-only node (never started): enqueues tasks that the child processes run. */
  readonly producer: TaskFlow;
  /** Oracle connections; survive a server restart (broken clients are dropped, new ones made). */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * The ledger has no key on purpose: a job completed twice would show as two rows. Each row says
 * which attempt (fencing token) of which worker wrote it, and when by the database clock.
 */
const CREATE_LEDGER = `CREATE TABLE ledger (
  job_id bigint NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp())`;

/** Every handler start of a `chaos.ledger` job, when asked (chaos-env.ts `executionLedger`). */
const CREATE_EXECUTIONS = `CREATE TABLE executions (
  job_id bigint NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp())`;

/**
 * The durable-steps crash test's ledgers (task `chaos.steps`): `step_ledger` gets a row in each
 * step's own transaction, together with the step's record; `step_runs` gets a row, committed at
 * once, every time a step's function starts. Neither has a key, so a repeat shows as two rows.
 */
const CREATE_STEP_LEDGERS = [
  `CREATE TABLE step_ledger (
  job_id bigint NOT NULL,
  step text NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  `CREATE TABLE step_runs (
  job_id bigint NOT NULL,
  step text NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp())`,
];

export async function openChaosDatabase(url: string, prefix: string): Promise<ChaosDatabase> {
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  const producer = await TaskFlow.create({ database: url, schema, unknownTasks: "allow", logger: "silent" });
  const pool = new pg.Pool({ connectionString: url, max: 3, options: `-c search_path=${schema}` });
  pool.on("error", () => undefined); // an idle oracle connection dropped by a restart is just discarded
  await pool.query(CREATE_LEDGER);
  await pool.query(CREATE_EXECUTIONS);
  for (const statement of CREATE_STEP_LEDGERS) await pool.query(statement);
  await pool.query(CREATE_KEY_RUNS);
  return {
    url,
    schema,
    producer,
    pool,
    close: async () => {
      await producer.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await dropSchema(url, schema);
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * The database clock minus this machine's, in ms (the midpoint of the quickest of a few round
 * trips): fault times taken with Date.now() are moved onto the clock the oracle judges by.
 */
export async function databaseClockOffset(pool: pg.Pool): Promise<number> {
  let best = { offset: 0, roundTrip: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 5; i++) {
    const sent = Date.now();
    const { rows } = await pool.query<{ ms: string }>(
      "SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms",
    );
    const received = Date.now();
    const roundTrip = received - sent;
    if (roundTrip < best.roundTrip)
      best = { offset: Number(rows[0]?.ms) - (sent + roundTrip / 2), roundTrip };
  }
  return Math.round(best.offset);
}

export interface JobFigures {
  total: number;
  succeeded: number;
  dead: number;
  /** Not yet in a final state (queued, running). */
  unfinished: number;
  /** Jobs claimed more than once (a worker was killed, froze or lost the database). */
  reclaimedJobs: number;
  /** Claims beyond the first, over all jobs. */
  extraAttempts: number;
}

export async function jobFigures(pool: pg.Pool, task: string): Promise<JobFigures> {
  const { rows } = await pool.query<Record<keyof JobFigures, string>>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
            count(*) FILTER (WHERE state = 'dead') AS dead,
            count(*) FILTER (WHERE state NOT IN ('succeeded', 'dead', 'cancelled')) AS unfinished,
            count(*) FILTER (WHERE attempt > 1) AS "reclaimedJobs",
            coalesce(sum(attempt - 1), 0) AS "extraAttempts"
     FROM jobs WHERE task = $1`,
    [task],
  );
  const row = rows[0] as Record<keyof JobFigures, string>;
  return {
    total: Number(row.total),
    succeeded: Number(row.succeeded),
    dead: Number(row.dead),
    unfinished: Number(row.unfinished),
    reclaimedJobs: Number(row.reclaimedJobs),
    extraAttempts: Number(row.extraAttempts),
  };
}

export interface LedgerFigures {
  ledgerRows: number;
  /** Ledger rows beyond the first of their job: effects committed twice. */
  duplicateEffects: number;
  /** Succeeded jobs without exactly one ledger row: a lost or duplicated effect. */
  succeededNotExactlyOnce: number;
  /** Jobs not succeeded that have ledger rows: an effect whose completion did not commit. */
  unsucceededWithRows: number;
  /** Ledger rows not written by the attempt that completed their job (a stale worker's write). */
  rowsFromStaleAttempts: number;
  /** Ledger rows for jobs that do not exist. */
  orphanRows: number;
}

/** The exactly-once oracle: compares each job's final state with the ledger rows written for it. */
export async function ledgerFigures(pool: pg.Pool, task: string): Promise<LedgerFigures> {
  const { rows } = await pool.query<Record<keyof LedgerFigures, string>>(
    `WITH per_job AS (
       SELECT j.id, j.state, j.attempt, count(l.job_id) AS n,
              count(l.job_id) FILTER (WHERE l.attempt <> j.attempt) AS stale
       FROM jobs j LEFT JOIN ledger l ON l.job_id = j.id
       WHERE j.task = $1
       GROUP BY j.id)
     SELECT (SELECT count(*) FROM ledger) AS "ledgerRows",
            coalesce(sum(greatest(n - 1, 0)), 0) AS "duplicateEffects",
            count(*) FILTER (WHERE state = 'succeeded' AND n <> 1) AS "succeededNotExactlyOnce",
            count(*) FILTER (WHERE state <> 'succeeded' AND n <> 0) AS "unsucceededWithRows",
            coalesce(sum(stale), 0) AS "rowsFromStaleAttempts",
            (SELECT count(*) FROM ledger l WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = l.job_id))
              AS "orphanRows"
     FROM per_job`,
    [task],
  );
  const row = rows[0] as Record<keyof LedgerFigures, string>;
  return {
    ledgerRows: Number(row.ledgerRows),
    duplicateEffects: Number(row.duplicateEffects),
    succeededNotExactlyOnce: Number(row.succeededNotExactlyOnce),
    unsucceededWithRows: Number(row.unsucceededWithRows),
    rowsFromStaleAttempts: Number(row.rowsFromStaleAttempts),
    orphanRows: Number(row.orphanRows),
  };
}

/** The last errors of dead jobs, grouped, to say why they died. */
export async function deadReasons(pool: pg.Pool, task: string): Promise<{ code: string; n: number }[]> {
  const { rows } = await pool.query<{ code: string; n: string }>(
    `SELECT coalesce(last_error->>'code', '?') || ': ' || coalesce(last_error->>'message', '') AS code,
            count(*) AS n
     FROM jobs WHERE task = $1 AND state = 'dead' GROUP BY 1 ORDER BY 2 DESC LIMIT 10`,
    [task],
  );
  return rows.map((row) => ({ code: row.code, n: Number(row.n) }));
}

/** Runs an oracle query, answering `fallback` while the database cannot be reached. */
export async function whileReachable<T>(query: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await query();
  } catch {
    return fallback;
  }
}

export interface StepLedgerFigures {
  /** Rows in step_ledger: effects committed. */
  effects: number;
  /** (job, step) pairs with more than one committed effect. */
  duplicateEffects: number;
  /** Recorded steps (job_steps) without exactly one effect, or effects without a recorded step. */
  effectWithoutRecord: number;
  /** Succeeded jobs that do not have all `steps` effects. */
  succeededIncomplete: number;
  /** Step functions started by an attempt later than the one that completed the step. */
  completedStepReruns: number;
  /** Step functions started whose attempt did not commit them (killed inside the step). */
  uncommittedStepRuns: number;
}

/** The durable-steps oracle: effects against the jobs' recorded steps, from the ledgers only. */
export async function stepLedgerFigures(
  pool: pg.Pool,
  task: string,
  steps: number,
): Promise<StepLedgerFigures> {
  const { rows } = await pool.query<Record<keyof StepLedgerFigures, string>>(
    `WITH effects AS (
       SELECT job_id, step, count(*) AS n, min(attempt) AS attempt FROM step_ledger GROUP BY job_id, step
     )
     SELECT (SELECT count(*) FROM step_ledger) AS effects,
            (SELECT count(*) FROM effects WHERE n > 1) AS "duplicateEffects",
            (SELECT count(*)
               FROM effects e FULL JOIN job_steps s ON s.job_id = e.job_id AND s.name = e.step
              WHERE e.job_id IS NULL OR s.job_id IS NULL OR e.n <> 1 OR e.attempt <> s.fence)
              AS "effectWithoutRecord",
            (SELECT count(*) FROM jobs j
              WHERE j.task = $1 AND j.state = 'succeeded'
                AND (SELECT count(*) FROM effects e WHERE e.job_id = j.id) <> $2) AS "succeededIncomplete",
            (SELECT count(*) FROM step_runs r JOIN job_steps s ON s.job_id = r.job_id AND s.name = r.step
              WHERE r.attempt > s.fence) AS "completedStepReruns",
            (SELECT count(*) FROM step_runs r
              WHERE NOT EXISTS (SELECT 1 FROM step_ledger l
                                 WHERE l.job_id = r.job_id AND l.step = r.step AND l.attempt = r.attempt))
              AS "uncommittedStepRuns"`,
    [task, steps],
  );
  const row = rows[0] as Record<keyof StepLedgerFigures, string>;
  return {
    effects: Number(row.effects),
    duplicateEffects: Number(row.duplicateEffects),
    effectWithoutRecord: Number(row.effectWithoutRecord),
    succeededIncomplete: Number(row.succeededIncomplete),
    completedStepReruns: Number(row.completedStepReruns),
    uncommittedStepRuns: Number(row.uncommittedStepRuns),
  };
}
