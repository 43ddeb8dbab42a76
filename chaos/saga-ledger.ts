// saga-ledger.ts — the saga crash test's tables and oracle. Each `chaos.saga` job moves money
// between its own two accounts; every step and every compensation writes `saga_ledger` in its
// own transaction (with the step's record), and writes `saga_runs` at its start, committed at
// once, so a run that was killed before its commit shows as a run without a ledger row.
import type pg from "pg";

export const CREATE_SAGA_TABLES = [
  `CREATE TABLE saga_accounts (id text PRIMARY KEY, balance int NOT NULL)`,
  `CREATE TABLE saga_ledger (
  seq bigint GENERATED ALWAYS AS IDENTITY,
  job_id bigint NOT NULL,
  entry text NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL)`,
  `CREATE TABLE saga_runs (
  job_id bigint NOT NULL,
  entry text NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL)`,
];

/** The saga's forward steps and, newest first, the compensations a failure at `credit` runs. */
export const SAGA_FORWARD = ["reserve", "debit", "credit", "confirm"] as const;
export const SAGA_UNDO = ["undo debit", "undo reserve"] as const;
export const SAGA_OPENING_BALANCE = 100;

/** The accounts of saga job number `n` (its payload names them). */
export const sagaAccounts = (n: number) => ({ from: `payer-${n}`, to: `payee-${n}` });

export interface SagaFigures {
  jobs: number;
  compensated: number;
  /** Jobs in any other state once the run is over (running, compensating, dead, …). */
  notCompensated: number;
  /** Accounts whose balance is not the opening one: money created or lost. */
  unbalancedAccounts: number;
  /** Ledger entries beyond the first of their (job, entry): an effect committed twice. */
  duplicateEntries: number;
  /** Jobs whose ledger is not exactly reserve, debit, undo debit, undo reserve, in that order. */
  wrongSequences: number;
  /** Compensation runs killed before their commit (a start without a ledger row of that attempt). */
  compensationsKilledMidRun: number;
  /** Forward step runs killed before their commit. */
  stepsKilledMidRun: number;
}

export async function sagaFigures(pool: pg.Pool, task: string): Promise<SagaFigures> {
  const { rows } = await pool.query<Record<keyof SagaFigures, string>>(
    `WITH sequences AS (
       SELECT j.id, coalesce(string_agg(l.entry, ',' ORDER BY l.seq), '') AS entries
       FROM jobs j LEFT JOIN saga_ledger l ON l.job_id = j.id
       WHERE j.task = $1 GROUP BY j.id
     ),
     killed AS (
       SELECT r.entry LIKE 'undo %' AS undo, count(*) AS n
       FROM saga_runs r
       -- credit always rolls back (it throws inside its transaction): not a kill
       WHERE r.entry <> 'credit' AND NOT EXISTS (SELECT 1 FROM saga_ledger l
                          WHERE l.job_id = r.job_id AND l.entry = r.entry AND l.attempt = r.attempt)
       GROUP BY 1
     )
     SELECT (SELECT count(*) FROM jobs WHERE task = $1) AS jobs,
            (SELECT count(*) FROM jobs WHERE task = $1 AND state = 'compensated') AS compensated,
            (SELECT count(*) FROM jobs WHERE task = $1 AND state <> 'compensated') AS "notCompensated",
            (SELECT count(*) FROM saga_accounts WHERE balance <> $2) AS "unbalancedAccounts",
            (SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM saga_ledger
                                                   GROUP BY job_id, entry) e) AS "duplicateEntries",
            (SELECT count(*) FROM sequences WHERE entries <> $3) AS "wrongSequences",
            coalesce((SELECT n FROM killed WHERE undo), 0) AS "compensationsKilledMidRun",
            coalesce((SELECT n FROM killed WHERE NOT undo), 0) AS "stepsKilledMidRun"`,
    [task, SAGA_OPENING_BALANCE, ["reserve", "debit", ...SAGA_UNDO].join(",")],
  );
  const row = rows[0] as Record<keyof SagaFigures, string>;
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, Number(value)]),
  ) as unknown as SagaFigures;
}
