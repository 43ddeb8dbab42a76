import { resolve } from "node:path";
import type { Logger } from "pino";
import { ErrorCode, InvalidInputError, StoreError } from "../domain/errors.js";
import type { Clock } from "../time/clock.js";
import type { SqlDriver } from "./postgres/drivers/driver.js";
import { PgDriver } from "./postgres/drivers/pg-driver.js";
import { PgliteDriver } from "./postgres/drivers/pglite-driver.js";
import { migrate } from "./postgres/migrate.js";
import { PostgresStore } from "./postgres/postgres-store.js";

export interface StoreOptions {
  /** A PostgreSQL URL (`postgres://…`). When absent, the embedded PGlite database is used. */
  database?: string | undefined;
  /** Where the embedded database keeps its files; `memory://` keeps nothing. @defaultValue "./.taskflow/data" */
  dataDir?: string | undefined;
  /** The PostgreSQL schema TaskFlow's tables live in. @defaultValue "taskflow" */
  schema?: string | undefined;
  /**
   * Connections in the pool (real PostgreSQL only); a node also holds one for LISTEN and one for
   * its claims. @defaultValue 10
   */
  poolSize?: number | undefined;
}

export const DEFAULT_DATA_DIR = "./.taskflow/data";
const SCHEMA = /^[a-z_][a-z0-9_]{0,47}$/;

/** Opens the store the options name and brings its schema up to date. */
export async function openStore(options: StoreOptions, clock: Clock, logger: Logger): Promise<PostgresStore> {
  const schema = options.schema ?? "taskflow";
  if (!SCHEMA.test(schema)) {
    throw new InvalidInputError(
      `schema must be a lower-case identifier (letters, digits, _; at most 48), got ${JSON.stringify(schema)}`,
      {
        code: ErrorCode.InvalidOption,
        details: { option: "schema" },
      },
    );
  }
  const driver = await openDriver(options, schema, clock, logger);
  try {
    await migrate(driver, schema, logger);
  } catch (error) {
    await driver.close().catch(() => undefined);
    throw error;
  }
  return new PostgresStore(driver, schema);
}

async function openDriver(
  options: StoreOptions,
  schema: string,
  clock: Clock,
  logger: Logger,
): Promise<SqlDriver> {
  if (options.database === undefined || options.database === "") {
    const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
    return PgliteDriver.open(dataDir.startsWith("memory://") ? dataDir : resolve(dataDir), schema);
  }
  let url: URL;
  try {
    url = new URL(options.database);
  } catch (error) {
    throw new InvalidInputError("database must be a URL like postgres://user@host:5432/dbname", {
      code: ErrorCode.InvalidDatabaseUrl,
      cause: error,
    });
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new InvalidInputError(
      `database URL must start with postgres:// or postgresql://, got ${url.protocol}//`,
      {
        code: ErrorCode.InvalidDatabaseUrl,
      },
    );
  }
  const driver = new PgDriver({
    connectionString: options.database,
    schema,
    clock,
    logger,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
  });
  try {
    await driver.query("SELECT 1");
  } catch (error) {
    await driver.close().catch(() => undefined);
    url.password = url.password === "" ? "" : "***";
    throw new StoreError(`cannot reach the database at ${url.toString()}: ${(error as Error).message}`, {
      code: ErrorCode.DatabaseUnavailable,
      cause: error,
    });
  }
  return driver;
}

/** The store in words for people (the password of a URL masked). */
export function describeStore(options: StoreOptions): string {
  if (options.database === undefined || options.database === "")
    return `embedded PostgreSQL (PGlite) in ${options.dataDir ?? DEFAULT_DATA_DIR}`;
  const url = new URL(options.database);
  if (url.password !== "") url.password = "***";
  return `PostgreSQL ${url.toString()} (schema ${options.schema ?? "taskflow"})`;
}
