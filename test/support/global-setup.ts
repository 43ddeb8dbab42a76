import pg from "pg";

/**
 * When TASKFLOW_TEST_DATABASE_URL is set, the real-PostgreSQL tests must run: an unreachable
 * server fails the whole run here instead of letting those tests skip.
 */
export default async function setup(): Promise<void> {
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
