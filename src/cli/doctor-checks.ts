import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { configProblemsOf, loadConfig, type ServiceConfig } from "../config/index.js";
import type { SqlClient } from "../domain/task.js";
import { TaskFlowError } from "../domain/errors.js";
import { lockDataDir } from "../store/postgres/drivers/data-dir-lock.js";
import { describeMigrationStatus, readMigrationStatus } from "../store/postgres/migration-status.js";
import { loadQuery } from "../store/postgres/sql-files.js";
import { DEFAULT_DATA_DIR, type StoreOptions } from "../store/open-store.js";
import { measureClockOffset } from "../time/system-clock.js";
import { describeNetworkError, parseServiceUrl } from "./api-client.js";
import { describeStore } from "./store-flags.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  check: "config" | "database" | "migrations" | "clock" | "api";
  status: CheckStatus;
  message: string;
  details?: Record<string, unknown>;
}

const CONNECT_TIMEOUT_MS = 5000;
const SKEW_WARN_MS = 1000;
const SKEW_FAIL_MS = 30_000;

/** The config file, when there is one: `null` config when absent or invalid. */
export async function checkConfig(
  path: string | undefined,
): Promise<{ result: CheckResult; config: ServiceConfig | null }> {
  const file = path ?? "taskflow.yaml";
  if (path === undefined && !existsSync(file)) {
    return {
      result: {
        check: "config",
        status: "skip",
        message: "no taskflow.yaml here (pass --config to check one)",
      },
      config: null,
    };
  }
  try {
    const config = await loadConfig(file);
    const channels = Object.keys(config.alerts.channels ?? {});
    // No channel is a valid setup (alerts are still recorded), but worth saying before 3 a.m.
    const alerting =
      channels.length === 0
        ? "no alert channel configured: alerts are recorded and listed by the API, nothing is sent"
        : `alert channels: ${channels.join(", ")}`;
    const message = `${file} is valid: ${config.tasks.length} tasks, ${config.schedules.length} schedules; ${alerting}`;
    return {
      result: {
        check: "config",
        status: "ok",
        message,
        details: { file: resolve(file), alertChannels: channels },
      },
      config,
    };
  } catch (error) {
    const code = error instanceof TaskFlowError ? error.code : "CONFIG_INVALID";
    return {
      result: {
        check: "config",
        status: "fail",
        message: `${code}: ${(error as Error).message}`,
        details: { file: resolve(file), code, problems: configProblemsOf(error) },
      },
      config: null,
    };
  }
}

/** Database reachable, migrations current (read only: nothing is applied), clock skew. */
export async function checkDatabase(options: StoreOptions): Promise<CheckResult[]> {
  const schema = options.schema ?? "taskflow";
  const where = safeDescribe(options);
  const embedded = options.database === undefined || options.database === "";
  let connection: { client: SqlClient; close(): Promise<void> };
  try {
    const opened = embedded
      ? await openEmbedded(options.dataDir ?? DEFAULT_DATA_DIR)
      : await openPostgres(options.database as string);
    if (opened === null) {
      const message = `no embedded database in ${resolve(options.dataDir ?? DEFAULT_DATA_DIR)} yet (taskflow migrate or start creates it)`;
      return [
        { check: "database", status: "warn", message },
        {
          check: "migrations",
          status: "warn",
          message: `empty (no database yet in schema ${schema})`,
          details: { state: "empty" },
        },
        { check: "clock", status: "skip", message: "the embedded database uses this machine's clock" },
      ];
    }
    connection = opened;
  } catch (error) {
    const inUse = embedded && /in use by process/.test((error as Error).message);
    return [
      {
        check: "database",
        status: inUse ? "warn" : "fail",
        message: inUse
          ? `${(error as Error).message.split(";")[0]}: a running service holds it (see the api check)`
          : `${where}: ${errorText(error)}`,
        ...(error instanceof TaskFlowError ? { details: { code: error.code } } : {}),
      },
      { check: "migrations", status: "skip", message: "the database could not be opened" },
      { check: "clock", status: "skip", message: "the database could not be opened" },
    ];
  }
  try {
    const results: CheckResult[] = [{ check: "database", status: "ok", message: `${where} is reachable` }];
    results.push(await checkMigrations(connection.client, schema));
    results.push(
      embedded
        ? { check: "clock", status: "ok", message: "the embedded database uses this machine's clock" }
        : await checkClock(connection.client),
    );
    return results;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function checkMigrations(client: SqlClient, schema: string): Promise<CheckResult> {
  try {
    const status = await readMigrationStatus(client, schema);
    const advice: Record<string, string> = {
      empty: ": taskflow migrate (or start) creates the tables",
      behind: ": run taskflow migrate (start does it too)",
      ahead: ": a newer TaskFlow migrated it; upgrade taskflow here",
      current: "",
    };
    return {
      check: "migrations",
      status: status.state === "current" ? "ok" : "warn",
      message: `${describeMigrationStatus(status)}${advice[status.state] ?? ""}`,
      details: { ...status },
    };
  } catch (error) {
    return {
      check: "migrations",
      status: "fail",
      message: `cannot read the migrations: ${errorText(error)}`,
    };
  }
}

async function checkClock(client: SqlClient): Promise<CheckResult> {
  const sql = loadQuery("read_time");
  try {
    const { offsetMs, roundTripMs } = await measureClockOffset(async () => {
      const { rows } = await client.query<{ now_ms: number | string }>(sql);
      return Number(rows[0]?.now_ms);
    });
    const skewMs = -offsetMs;
    const size = Math.abs(skewMs);
    const direction = skewMs >= 0 ? "ahead of" : "behind";
    const status: CheckStatus = size > SKEW_FAIL_MS ? "fail" : size > SKEW_WARN_MS ? "warn" : "ok";
    const advice =
      status === "ok" ? "" : ": synchronize this machine's clock (NTP); TaskFlow uses the database clock";
    return {
      check: "clock",
      status,
      message: `this machine is ${size} ms ${direction} the database clock (round trip ${roundTripMs} ms)${advice}`,
      details: { skewMs, roundTripMs },
    };
  } catch (error) {
    return { check: "clock", status: "fail", message: `cannot read the database clock: ${errorText(error)}` };
  }
}

/** `GET /readyz`. A URL nobody answers at is a failure only when the user named it. */
export async function checkApi(url: string, named: boolean): Promise<CheckResult> {
  let base: URL;
  try {
    base = parseServiceUrl(url);
  } catch (error) {
    return { check: "api", status: "fail", message: (error as Error).message };
  }
  const target = new URL("readyz", base);
  const shown = `${target.origin}${base.pathname}`.replace(/\/$/, "");
  try {
    const response = await fetch(target, {
      signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
      redirect: "manual",
    });
    const body = (await response.json().catch(() => ({}))) as { status?: string; reason?: string };
    if (response.ok && body.status === "ready")
      return { check: "api", status: "ok", message: `the service at ${shown} is ready` };
    return {
      check: "api",
      status: "fail",
      message: `the service at ${shown} is not ready (HTTP ${response.status}${body.reason === undefined ? "" : `: ${body.reason}`})`,
    };
  } catch (error) {
    const reason = describeNetworkError(error, CONNECT_TIMEOUT_MS);
    return named
      ? {
          check: "api",
          status: "fail",
          message: `no service answers at ${shown} (${reason}): is it running? (taskflow start)`,
        }
      : {
          check: "api",
          status: "skip",
          message: `no service answers at ${shown} (pass --url to check one elsewhere)`,
        };
  }
}

/** The embedded database, locked as the engine locks it; null when the folder holds none. */
async function openEmbedded(dataDir: string): Promise<{ client: SqlClient; close(): Promise<void> } | null> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, "PG_VERSION"))) return null;
  const unlock = lockDataDir(dir);
  try {
    const db = await PGlite.create(dir);
    return {
      client: {
        query: async <Row>(text: string, params?: unknown[]) => ({
          rows: (await db.query<Row>(text, params)).rows,
        }),
      },
      close: async () => {
        try {
          await db.close();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

async function openPostgres(url: string): Promise<{ client: SqlClient; close(): Promise<void> }> {
  const parsed = new URL(url);
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    throw new Error(
      `the database URL must start with postgres:// or postgresql://, got ${parsed.protocol}//`,
    );
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: "taskflow-doctor",
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    client: {
      query: async <Row>(text: string, params?: unknown[]) => ({
        rows: (await client.query(text, params)).rows as Row[],
      }),
    },
    close: () => client.end(),
  };
}

function safeDescribe(options: StoreOptions): string {
  try {
    return describeStore(options);
  } catch {
    return "PostgreSQL (an invalid URL)";
  }
}

function errorText(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return message === "" ? String((error as { code?: string }).code ?? error) : message;
}
