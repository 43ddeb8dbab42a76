// postgres-server.ts — stops and starts the PostgreSQL server the tests use, through Debian's
// pg_ctlcluster (the cluster is found by the port of TASKFLOW_TEST_DATABASE_URL).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresCluster {
  version: string;
  name: string;
}

/** The local cluster listening on the URL's port, or an error saying why it cannot be restarted. */
export async function findCluster(url: string): Promise<PostgresCluster> {
  const port = new URL(url).port || "5432";
  let listing: string;
  try {
    listing = (await run("pg_lsclusters", ["--no-header"])).stdout;
  } catch (error) {
    throw new Error(
      `the database restart test needs pg_lsclusters/pg_ctlcluster (Debian's postgresql-common) to restart the server at ${url}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  for (const line of listing.split("\n")) {
    const [version, name, clusterPort] = line.trim().split(/\s+/);
    if (version !== undefined && name !== undefined && clusterPort === port) return { version, name };
  }
  throw new Error(`no local PostgreSQL cluster listens on port ${port} (pg_lsclusters:\n${listing})`);
}

async function pgCtlCluster(cluster: PostgresCluster, action: "start" | "stop"): Promise<void> {
  await run("pg_ctlcluster", [
    "--skip-systemctl-redirect",
    cluster.version,
    cluster.name,
    action,
    ...(action === "stop" ? ["-m", "fast"] : []),
  ]);
}

/** Fast shutdown: the server rolls back open transactions and closes every connection. */
export async function stopServer(cluster: PostgresCluster): Promise<void> {
  await pgCtlCluster(cluster, "stop");
}

/** Starts the cluster unless it is already running, then waits until it accepts connections. */
export async function ensureServerRunning(cluster: PostgresCluster, url: string): Promise<void> {
  if (!(await accepts(url))) {
    await pgCtlCluster(cluster, "start").catch(async (error: unknown) => {
      if (!(await accepts(url))) throw error; // "already running" is fine
    });
  }
  const deadline = Date.now() + 30_000;
  while (!(await accepts(url))) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL at ${url} did not come back within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
