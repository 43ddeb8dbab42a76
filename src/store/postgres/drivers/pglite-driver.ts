import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { SqlDriver, SqlTransaction } from "./driver.js";
import { lockDataDir } from "./data-dir-lock.js";

/**
 * PGlite is one connection in this process. Every use (transactions included) goes through one
 * queue, so a statement never interleaves with another caller's transaction.
 */
export class PgliteDriver implements SqlDriver {
  readonly kind = "pglite" as const;
  readonly #db: PGlite;
  #queue: Promise<unknown> = Promise.resolve();

  readonly #unlock: () => void;

  private constructor(db: PGlite, unlock: () => void) {
    this.#db = db;
    this.#unlock = unlock;
  }

  /** `dataDir`: a folder, or `memory://` for a database that lives only in this process. */
  static async open(dataDir: string, schema: string): Promise<PgliteDriver> {
    const inMemory = dataDir.startsWith("memory://");
    if (!inMemory) mkdirSync(dataDir, { recursive: true });
    const unlock = inMemory ? () => undefined : lockDataDir(dataDir);
    let db: PGlite;
    try {
      db = await PGlite.create(dataDir);
    } catch (error) {
      unlock();
      throw error;
    }
    const driver = new PgliteDriver(db, unlock);
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

  /** One connection, whose statements PGlite plans as it sees fit. */
  queryWithCachedPlan<Row>(text: string, params: unknown[]): Promise<{ rows: Row[] }> {
    return this.query<Row>(text, params);
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
    try {
      await this.#serialize(() => this.#db.close());
    } finally {
      this.#unlock();
    }
  }
}
