import type { SqlClient } from "../../domain/task.js";
import { ErrorCode, InvalidInputError } from "../../domain/errors.js";
import { loadMigrations } from "./sql-files.js";

/**
 * Where a schema stands against the migrations this version knows:
 * - `empty`: no migration applied (no `taskflow_migrations` table, or an empty one);
 * - `current`: every known migration applied, nothing else;
 * - `behind`: known migrations are pending (`taskflow migrate` or `start` applies them);
 * - `ahead`: the schema has migrations this version does not know (a newer TaskFlow ran on it).
 */
export type MigrationState = "empty" | "current" | "behind" | "ahead";

export interface MigrationStatus {
  state: MigrationState;
  schema: string;
  /** Versions recorded in the schema, ascending. */
  applied: number[];
  /** Known versions not applied yet, ascending. */
  pending: number[];
  /** Applied versions this TaskFlow does not know, ascending. */
  unknown: number[];
  /** The newest version this TaskFlow knows. */
  latest: number;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * Reads the migration state of `schema` without changing anything (unlike `migrate`, which
 * creates the schema and applies what is pending).
 */
export async function readMigrationStatus(client: SqlClient, schema: string): Promise<MigrationStatus> {
  if (!SCHEMA.test(schema)) {
    throw new InvalidInputError(`schema must be a lower-case identifier, got ${JSON.stringify(schema)}`, {
      code: ErrorCode.InvalidOption,
      details: { option: "schema" },
    });
  }
  const known = loadMigrations().map((migration) => migration.version);
  const { rows: tables } = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
                     WHERE schemaname = $1 AND tablename = 'taskflow_migrations') AS present`,
    [schema],
  );
  const applied =
    tables[0]?.present === true
      ? (
          await client.query<{ version: number | string }>(
            `SELECT version FROM "${schema}".taskflow_migrations ORDER BY version`,
          )
        ).rows.map((row) => Number(row.version))
      : [];
  return migrationStatusOf(schema, known, applied);
}

/** The state of a schema with `applied` versions, for a TaskFlow that knows `known`. */
export function migrationStatusOf(schema: string, known: number[], applied: number[]): MigrationStatus {
  const appliedSet = new Set(applied);
  const knownSet = new Set(known);
  const pending = known.filter((version) => !appliedSet.has(version)).sort((a, b) => a - b);
  const unknown = applied.filter((version) => !knownSet.has(version)).sort((a, b) => a - b);
  const state: MigrationState =
    applied.length === 0 ? "empty" : unknown.length > 0 ? "ahead" : pending.length > 0 ? "behind" : "current";
  return {
    state,
    schema,
    applied: [...applied].sort((a, b) => a - b),
    pending,
    unknown,
    latest: Math.max(0, ...known),
  };
}

/** `current (4 migrations)`, `behind (2 pending)`, `ahead (schema newer than this version)`, `empty`. */
export function describeMigrationStatus(status: MigrationStatus): string {
  switch (status.state) {
    case "current":
      return `current (${status.applied.length} migrations, latest ${status.latest})`;
    case "behind":
      return `behind (${status.pending.length} pending: ${status.pending.join(", ")})`;
    case "ahead":
      return `ahead (schema newer than this version: unknown migrations ${status.unknown.join(", ")})`;
    case "empty":
      return `empty (no migration applied in schema ${status.schema})`;
  }
}
