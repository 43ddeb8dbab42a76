// postgres-server.ts — stops and starts the PostgreSQL server the tests use, through Debian's
// pg_ctlcluster (the cluster is found by the port of the database URL).
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

/**
 * `fast`: the server rolls back open transactions and closes every connection, then shuts down
 * cleanly. `immediate`: it exits at once, as in a crash or power loss; the next start replays
 * the write-ahead log.
 */
export type StopMode = "fast" | "immediate";

async function pgCtlCluster(cluster: PostgresCluster, action: "start" | "stop", mode: StopMode = "fast") {
  await run("pg_ctlcluster", [
    "--skip-systemctl-redirect",
    cluster.version,
    cluster.name,
    action,
    ...(action === "stop" ? ["-m", mode] : []),
  ]);
}

/** Stops the server (fast shutdown unless `immediate` is asked for). */
export async function stopServer(cluster: PostgresCluster, mode: StopMode = "fast"): Promise<void> {
  await pgCtlCluster(cluster, "stop", mode);
}

/**
 * Other processes on this machine that use the shared server and would suffer from a restart
 * (a benchmark, a test run): their `pgrep -af` lines, this process and its ancestors excluded.
 */
export async function otherServerUsers(): Promise<string[]> {
  let listing: string;
  try {
    listing = (await run("pgrep", ["-af", "bench/|vitest"])).stdout;
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  const ours = await ancestorPids();
  return listing
    .split("\n")
    .filter((line) => line.trim() !== "")
    .filter((line) => !ours.has(Number(line.trim().split(/\s+/)[0])));
}

async function ancestorPids(): Promise<Set<number>> {
  const pids = new Set<number>([process.pid]);
  let pid = process.ppid;
  while (pid > 1 && !pids.has(pid)) {
    pids.add(pid);
    try {
      pid = Number((await run("ps", ["-o", "ppid=", "-p", String(pid)])).stdout.trim());
    } catch {
      break;
    }
  }
  return pids;
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

/** When the server process started (`pg_postmaster_start_time()`, database clock, ms). */
export async function serverStartedAt(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ ms: string }>(
      "SELECT extract(epoch FROM pg_postmaster_start_time()) * 1000 AS ms",
    );
    return Number(rows[0]?.ms);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True if the server at `url` accepts a connection and answers a query now. */
export async function accepts(url: string): Promise<boolean> {
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
