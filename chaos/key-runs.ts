// key-runs.ts — the concurrency-key test's ledger and oracle. Every start of a `chaos.tenant`
// handler inserts a row (committed at once) and its end sets `ended_at`, both by the database
// clock, so two runs of one tenant that overlapped in time show as intersecting intervals.
import type pg from "pg";

export const CREATE_KEY_RUNS = `CREATE TABLE key_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id bigint NOT NULL,
  tenant text NOT NULL,
  keyed boolean NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  ended_at timestamptz)`;

export interface KeyRunFigures {
  runs: number;
  /** Pairs of runs of one tenant whose intervals intersect (a run never ended counts as open). */
  overlappingPairs: number;
  /** Tenants whose runs were spread over more than one worker process. */
  tenantsOnSeveralWorkers: number;
}

/** Figures over the runs of keyed (`keyed` true) or unkeyed jobs. */
export async function keyRunFigures(pool: pg.Pool, keyed: boolean): Promise<KeyRunFigures> {
  const { rows } = await pool.query<Record<keyof KeyRunFigures, string>>(
    `SELECT (SELECT count(*) FROM key_runs WHERE keyed = $1) AS runs,
            (SELECT count(*) FROM key_runs a JOIN key_runs b
               ON a.tenant = b.tenant AND a.keyed = b.keyed AND a.id < b.id
              AND a.started_at < coalesce(b.ended_at, 'infinity')
              AND b.started_at < coalesce(a.ended_at, 'infinity')
             WHERE a.keyed = $1) AS "overlappingPairs",
            (SELECT count(*) FROM (SELECT tenant FROM key_runs WHERE keyed = $1
                                   GROUP BY tenant HAVING count(DISTINCT worker) > 1) t)
              AS "tenantsOnSeveralWorkers"`,
    [keyed],
  );
  const row = rows[0] as Record<keyof KeyRunFigures, string>;
  return {
    runs: Number(row.runs),
    overlappingPairs: Number(row.overlappingPairs),
    tenantsOnSeveralWorkers: Number(row.tenantsOnSeveralWorkers),
  };
}
