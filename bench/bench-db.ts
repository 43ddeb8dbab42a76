import pg from "pg";

/** A fresh schema name per bench run, so runs never see each other's rows. */
export function benchSchemaName(): string {
  const stamp = Date.now().toString(36);
  const rand = Math.floor(Math.random() * 0xffffff).toString(16);
  return `bench_queue_${stamp}_${rand}`;
}

/**
 * The bench's own connection, beside TaskFlow's pool: it resets tables between runs, seeds
 * history, and checks that every job succeeded. It is never used while a run is being timed,
 * except to confirm the end of an end-to-end run. If the server restarts (another process on a
 * shared machine), the connection is re-opened on next use and `restarts` counts it.
 */
export class BenchDatabase {
  #client: pg.Client | null = null;
  /** Connections lost during the bench: the runs they hit failed, and the figures are suspect. */
  readonly lostConnections: string[] = [];

  private constructor(
    private readonly url: string,
    readonly schema: string,
  ) {}

  static async open(url: string, schema: string): Promise<BenchDatabase> {
    const db = new BenchDatabase(url, schema);
    await db.#connection();
    return db;
  }

  async #connection(): Promise<pg.Client> {
    if (this.#client !== null) return this.#client;
    const client = new pg.Client({ connectionString: this.url, application_name: "taskflow-bench" });
    client.on("error", (error) => {
      if (this.#client === client) this.#client = null;
      this.lostConnections.push(`${new Date().toISOString()} ${error.message}`);
      console.error(`bench database connection lost: ${error.message}`);
    });
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    await client.query(`SET search_path TO "${this.schema}"`);
    this.#client = client;
    return client;
  }

  async query<Row extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<Row[]> {
    return (await (await this.#connection()).query<Row>(text, params)).rows;
  }

  async serverVersion(): Promise<string> {
    const rows = await this.query<{ server_version: string }>("SHOW server_version");
    return rows[0]?.server_version ?? "unknown";
  }

  /** When the server last started: compared at the end to detect a restart during the bench. */
  async serverStartedAt(): Promise<string> {
    const rows = await this.query<{ at: Date }>("SELECT pg_postmaster_start_time() AS at");
    return rows[0]?.at.toISOString() ?? "unknown";
  }

  async settings(names: string[]): Promise<Record<string, string>> {
    const rows = await this.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY ($1)",
      [names],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]));
  }

  /** Empties the queue (TaskFlow has migrated the schema by then). */
  async reset(): Promise<void> {
    await this.query("TRUNCATE jobs, job_logs, idempotency_keys");
  }

  /** Refreshes planner statistics, as autovacuum would on a table in steady state. */
  async analyze(): Promise<void> {
    await this.query("ANALYZE jobs");
  }

  /**
   * Inserts `count` finished jobs (succeeded, with a small result), as a long-running queue
   * accumulates them before retention prunes; vacuumed, as autovacuum would have by then.
   */
  async seedFinishedHistory(count: number, task: string): Promise<void> {
    await this.query(
      `INSERT INTO jobs (task, queue, payload, state, priority, run_at, attempt, max_attempts, result,
                         created_at, started_at, finished_at, updated_at)
       SELECT $2, 'default', jsonb_build_object('i', n), 'succeeded', 0, t, 1, 3, 'null'::jsonb, t, t, t, t
       FROM generate_series(1, $1::int) AS n,
            LATERAL (SELECT now() - interval '1 day' + n * interval '1 ms' AS t) AS ts`,
      [count, task],
    );
    await this.query("VACUUM ANALYZE jobs");
  }

  async countJobs(state: string, task: string): Promise<number> {
    const rows = await this.query<{ n: string }>(
      "SELECT count(*) AS n FROM jobs WHERE state = $1 AND task = $2",
      [state, task],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async dropAndClose(): Promise<void> {
    try {
      await this.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      await this.#client?.end().catch(() => undefined);
      this.#client = null;
    }
  }
}
