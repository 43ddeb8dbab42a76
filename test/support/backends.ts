import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import pg from "pg";
import type { StoreOptions } from "../../src/store/open-store.js";
import { freshPgliteFolder } from "./pglite-template.js";

/** The real PostgreSQL server for integration tests, when configured. */
export const TEST_DATABASE_URL = process.env.TASKFLOW_TEST_DATABASE_URL || undefined;

export interface Backend {
  name: "pglite" | "postgres";
  /** Store options for a fresh, isolated database (PGlite in memory, or a new schema). */
  storeOptions(): StoreOptions;
}

/** A new schema name, so tests on the shared server never see each other's rows. */
export function uniqueSchema(prefix = "t"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** PGlite always; the real server too when TASKFLOW_TEST_DATABASE_URL is set. */
export const backends: Backend[] = [
  { name: "pglite", storeOptions: () => ({ dataDir: "memory://" }) },
  ...(TEST_DATABASE_URL === undefined
    ? []
    : [
        {
          name: "postgres" as const,
          storeOptions: () => ({ database: TEST_DATABASE_URL, schema: uniqueSchema() }),
        },
      ]),
];

/**
 * Store options for a database of the test's own, and its removal: on PGlite a folder holding
 * a copy of the migrated template (kept across a restart of the node), on the server a new schema.
 */
export function freshDatabase(backend: Backend): { options: StoreOptions; remove(): Promise<void> } {
  if (backend.name === "pglite") {
    const folder = freshPgliteFolder();
    return {
      options: { dataDir: folder },
      remove: () => Promise.resolve(rmSync(folder, { recursive: true, force: true })),
    };
  }
  const options = backend.storeOptions();
  return { options, remove: () => dropSchema(options.schema) };
}

/** Drops a schema created by a test on the real server. */
export async function dropSchema(schema: string | undefined): Promise<void> {
  if (TEST_DATABASE_URL === undefined || schema === undefined) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Polls `check` (real time, for multi-process tests only) until it returns true. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
