import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { SqlDriver, SqlTransaction } from "./driver.js";

/**
 * PGlite is one connection in this process. Every use (transactions included) goes through one
 * queue, so a statement never interleaves with another caller's transaction.
 */
export class PgliteDriver implements SqlDriver {
  readonly kind = "pglite" as const;
  readonly #db: PGlite;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(db: PGlite) {
    this.#db = db;
  }

  /** `dataDir`: a folder, or `memory://` for a database that lives only in this process. */
  static async open(dataDir: string, schema: string): Promise<PgliteDriver> {
    if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    const driver = new PgliteDriver(db);
    await driver.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await driver.query(`SET search_path TO "${schema}"`);
    return driver;
  }

  #serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  query<Row>(text: string, params?: unknown[]): Promise<{ rows: Row[] }> {
    return this.#serialize(async () => ({ rows: (await this.#db.query<Row>(text, params)).rows }));
  }

  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.#serialize(() =>
      this.#db.transaction(async (inner) => {
        const tx: SqlTransaction = {
          query: async <Row>(text: string, params?: unknown[]) => ({
            rows: (await inner.query<Row>(text, params)).rows,
          }),
          exec: async (script: string) => void (await inner.exec(script)),
        };
        return fn(tx);
      }),
    );
  }

  async listen(channel: string, onMessage: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.#serialize(() => this.#db.listen(`"${channel}"`, onMessage));
    return () => this.#serialize(() => unlisten());
  }

  async close(): Promise<void> {
    await this.#serialize(() => this.#db.close());
  }
}
