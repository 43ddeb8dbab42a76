import type { Logger } from "pino";
import { ErrorCode, StoreError } from "../../domain/errors.js";
import type { SqlDriver } from "./drivers/driver.js";
import { loadMigrations } from "./sql-files.js";

/**
 * Applies the migrations this version knows and the schema lacks, in one transaction under an
 * advisory lock, so several nodes starting at once apply each migration exactly once.
 * Returns the versions applied.
 */
export async function migrate(driver: SqlDriver, schema: string, logger: Logger): Promise<number[]> {
  const migrations = loadMigrations();
  try {
    return await driver.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`taskflow.migrate.${schema}`]);
      await tx.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET LOCAL search_path TO "${schema}";
        CREATE TABLE IF NOT EXISTS taskflow_migrations (
          version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`);
      const { rows } = await tx.query<{ version: number }>("SELECT version FROM taskflow_migrations");
      const applied = new Set(rows.map((row) => Number(row.version)));
      const newest = Math.max(0, ...applied);
      const known = migrations.at(-1)?.version ?? 0;
      if (newest > known) {
        logger.warn(
          { schema, newest, known },
          "the database schema is newer than this TaskFlow version knows",
        );
      }
      const done: number[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await tx.exec(migration.sql);
        await tx.query("INSERT INTO taskflow_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        logger.info({ schema, migration: migration.name }, "migration applied");
        done.push(migration.version);
      }
      return done;
    });
  } catch (error) {
    throw new StoreError(`database migration failed: ${(error as Error).message}`, {
      code: ErrorCode.MigrationFailed,
      cause: error,
    });
  }
}
