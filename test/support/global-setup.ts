import pg from "pg";
import type { TestProject } from "vitest/node";
import { createPgliteTemplate } from "./pglite-template.js";

/**
 * Once per test run: checks the real PostgreSQL server when one is configured, and makes the
 * migrated embedded database that PGlite tests copy (removed after the run).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  await checkTestDatabase();
  const template = await createPgliteTemplate();
  project.provide("pgliteTemplate", template.folder);
  return template.remove;
}

/**
 * When TASKFLOW_TEST_DATABASE_URL is set, the real-PostgreSQL tests must run: an unreachable
 * server fails the whole run here instead of letting those tests skip.
 */
async function checkTestDatabase(): Promise<void> {
  const url = process.env.TASKFLOW_TEST_DATABASE_URL;
  if (url === undefined || url === "") return;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `TASKFLOW_TEST_DATABASE_URL is set but ${url} is unreachable: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
