import pg from "pg";

/** Server settings every bench report records. */
export const SERVER_SETTINGS = ["shared_buffers", "synchronous_commit", "max_connections", "fsync"];

/** A fresh schema name per bench run (and system), so runs never see each other's rows. */
export function benchSchemaName(kind: string): string {
  const stamp = Date.now().toString(36);
  const rand = Math.floor(Math.random() * 0xffffff).toString(16);
  return `bench_${kind}_${stamp}_${rand}`;
}

/**
 * The bench's own connection, beside the pools of the system under test: it resets tables
 * between runs, seeds history, and checks that every job finished. It is never used while a run
 * is being timed, except to confirm the end of an end-to-end run. If the server restarts
 * (another process on a shared machine), the connection is re-opened on next use and
 * `lostConnections` records it.
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

  async dropAndClose(): Promise<void> {
    try {
      await this.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    } finally {
      await this.#client?.end().catch(() => undefined);
      this.#client = null;
    }
  }
}
