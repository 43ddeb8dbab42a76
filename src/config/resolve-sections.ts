import { isAbsolute, resolve } from "node:path";
import { parseDuration } from "../domain/duration.js";
import {
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
} from "../domain/retry-policy.js";
import { resolveHttpSettings, resolveShellSettings, type ResolvedShellSettings } from "../executors/index.js";
import { resolveMaintenanceOptions } from "../maintenance/maintenance-options.js";
import { resolveWorkerOptions } from "../worker/worker-options.js";
import { resolveAlerts } from "./resolve-alerts.js";
import { CONFIG_DEFAULTS, type RawConfig, type RawRetry } from "./config-schema.js";
import type { ConfigPath } from "./config-problems.js";
import { optionPath, type ProblemCollector } from "./problem-collector.js";
import type { HttpExecutorConfig, ServiceConfig, TaskDefaults } from "./service-config.js";
import { parseSize } from "./sizes.js";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

type Sections = Pick<
  ServiceConfig,
  | "database"
  | "dataDir"
  | "schema"
  | "server"
  | "worker"
  | "retention"
  | "executors"
  | "taskDefaults"
  | "alerts"
>;

/** The node-wide sections: store, server, worker, retention, executors, task defaults, alerts. */
export function resolveSections(raw: RawConfig, folder: string, problems: ProblemCollector): Sections {
  return {
    database: resolveDatabase(raw.database, problems),
    dataDir: resolveDataDir(raw.dataDir ?? CONFIG_DEFAULTS.dataDir, folder),
    schema: resolveSchemaName(raw.schema ?? CONFIG_DEFAULTS.schema, problems),
    server: resolveServer(raw.server ?? {}, problems),
    worker: resolveWorker(raw.worker ?? {}, problems),
    retention: resolveRetention(raw.retention ?? {}, problems),
    executors: {
      shell: resolveShell(raw.executors?.shell ?? {}, problems),
      http: resolveHttp(raw.executors?.http ?? {}, problems),
    },
    taskDefaults: resolveTaskDefaults(raw.taskDefaults ?? {}, problems),
    alerts: resolveAlerts(raw.alerts ?? {}, problems),
  };
}

function resolveDatabase(database: string | undefined, problems: ProblemCollector): string | null {
  if (database === undefined || database.trim() === "") return null;
  let url: URL | undefined;
  try {
    url = new URL(database);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "postgres:" && url.protocol !== "postgresql:")) {
    problems.add(
      ["database"],
      "must be a PostgreSQL URL like postgres://user@host:5432/dbname, or empty for the embedded database",
    );
  }
  return database;
}

function resolveDataDir(dataDir: string, folder: string): string {
  if (dataDir.startsWith("memory://") || isAbsolute(dataDir)) return dataDir;
  return resolve(folder, dataDir);
}

function resolveSchemaName(schema: string, problems: ProblemCollector): string {
  if (!SCHEMA_NAME.test(schema)) {
    problems.add(
      ["schema"],
      `must be a lower-case identifier (letters, digits, _; at most 48), got ${JSON.stringify(schema)}`,
    );
  }
  return schema;
}

function size(problems: ProblemCollector, path: ConfigPath, value: number | string): number {
  return problems.check(path, () => parseSize(value)) ?? 0;
}

function duration(problems: ProblemCollector, path: ConfigPath, value: number | string): number {
  return problems.check(path, () => parseDuration(value)) ?? 0;
}

function resolveServer(
  raw: NonNullable<RawConfig["server"]>,
  problems: ProblemCollector,
): ServiceConfig["server"] {
  const host = raw.host ?? CONFIG_DEFAULTS.server.host;
  if (host.trim() === "") problems.add(["server", "host"], "must not be empty");
  return {
    host,
    port: raw.port ?? CONFIG_DEFAULTS.server.port,
    trustProxy: raw.trustProxy ?? false,
    bodyLimitBytes: size(
      problems,
      ["server", "bodyLimit"],
      raw.bodyLimit ?? CONFIG_DEFAULTS.server.bodyLimit,
    ),
  };
}

function resolveWorker(
  raw: NonNullable<RawConfig["worker"]>,
  problems: ProblemCollector,
): ServiceConfig["worker"] {
  const leaseDuration = raw.leaseDuration ?? CONFIG_DEFAULTS.worker.leaseDuration;
  const drainTimeout = raw.drainTimeout ?? CONFIG_DEFAULTS.worker.drainTimeout;
  const resolved = problems.check(
    ["worker"],
    () =>
      resolveWorkerOptions({
        concurrency: raw.concurrency ?? CONFIG_DEFAULTS.worker.concurrency,
        leaseDuration,
        drainTimeout,
        ...(raw.queues === undefined ? {} : { queues: raw.queues }),
      }),
    (error) => optionPath([], error),
  );
  return {
    concurrency: resolved?.concurrency ?? CONFIG_DEFAULTS.worker.concurrency,
    queues: resolved?.queues ?? null,
    leaseDurationMs: resolved?.leaseMs ?? 0,
    drainTimeoutMs: resolved?.drainTimeoutMs ?? 0,
  };
}

function resolveRetention(
  raw: NonNullable<RawConfig["retention"]>,
  problems: ProblemCollector,
): ServiceConfig["retention"] {
  const retention = raw.finishedJobs ?? CONFIG_DEFAULTS.retention.finishedJobs;
  const resolved = problems.check(["retention", "finishedJobs"], () =>
    resolveMaintenanceOptions({ retention }),
  );
  return { finishedJobsMs: resolved?.retentionMs ?? null };
}

type RawExecutors = NonNullable<RawConfig["executors"]>;

function resolveShell(
  raw: NonNullable<RawExecutors["shell"]>,
  problems: ProblemCollector,
): ResolvedShellSettings {
  const base = ["executors", "shell"];
  const settings = {
    enabled: raw.enabled ?? CONFIG_DEFAULTS.shell.enabled,
    maxOutputBytes: size(
      problems,
      [...base, "maxOutputBytes"],
      raw.maxOutputBytes ?? CONFIG_DEFAULTS.shell.maxOutputBytes,
    ),
    inheritEnv: raw.inheritEnv ?? [...CONFIG_DEFAULTS.shell.inheritEnv],
    redactEnv: raw.redactEnv ?? [],
    killGraceMs: duration(problems, [...base, "killGrace"], raw.killGrace ?? CONFIG_DEFAULTS.shell.killGrace),
  };
  return (
    problems.check(
      base,
      () => resolveShellSettings(settings),
      (error) => optionPath(base, error, { killGraceMs: "killGrace" }),
    ) ?? { ...settings, enabled: false }
  );
}

function resolveHttp(raw: NonNullable<RawExecutors["http"]>, problems: ProblemCollector): HttpExecutorConfig {
  const base = ["executors", "http"];
  const timeouts = raw.timeouts ?? {};
  const defaults = CONFIG_DEFAULTS.http.timeouts;
  const config: HttpExecutorConfig = {
    allow: raw.allow ?? [],
    maxResponseBytes: size(
      problems,
      [...base, "maxResponseBytes"],
      raw.maxResponseBytes ?? CONFIG_DEFAULTS.http.maxResponseBytes,
    ),
    timeouts: {
      connectMs: duration(problems, [...base, "timeouts", "connect"], timeouts.connect ?? defaults.connect),
      headersMs: duration(problems, [...base, "timeouts", "headers"], timeouts.headers ?? defaults.headers),
      totalMs: duration(problems, [...base, "timeouts", "total"], timeouts.total ?? defaults.total),
    },
  };
  for (const [name, ms] of Object.entries(config.timeouts)) {
    if (ms < 1) problems.add([...base, "timeouts", name.replace(/Ms$/, "")], "must be at least 1ms");
  }
  problems.check(
    base,
    () => resolveHttpSettings({ allow: config.allow, maxResponseBytes: config.maxResponseBytes }),
    (error) => optionPath(base, error),
  );
  return config;
}

function resolveTaskDefaults(
  raw: NonNullable<RawConfig["taskDefaults"]>,
  problems: ProblemCollector,
): TaskDefaults {
  const base = ["taskDefaults"];
  return {
    timeoutMs: resolveLimit(
      problems,
      [...base, "timeout"],
      raw.timeout ?? CONFIG_DEFAULTS.taskDefaults.timeout,
    ),
    maxAttempts: raw.maxAttempts ?? CONFIG_DEFAULTS.taskDefaults.maxAttempts,
    retry:
      raw.retry === undefined
        ? DEFAULT_RETRY_POLICY
        : (resolveRetry(problems, [...base, "retry"], raw.retry) ?? DEFAULT_RETRY_POLICY),
    concurrency: raw.concurrency ?? null,
  };
}

const MAX_TIMEOUT_MS = 2_147_483_647;

/** A task timeout: a duration from 1 ms to ~24.8 days, or `none` (null). */
export function resolveLimit(
  problems: ProblemCollector,
  path: ConfigPath,
  value: number | string,
): number | null {
  if (value === "none") return null;
  const ms = problems.check(path, () => parseDuration(value));
  if (ms !== undefined && (ms < 1 || ms > MAX_TIMEOUT_MS)) {
    problems.add(path, `must be from 1ms to about 24 days, or none, got ${ms} ms`);
  }
  return ms ?? null;
}

const FIXED_ONLY = ["delay"] as const;
const EXPONENTIAL_ONLY = ["base", "factor", "cap", "jitter"] as const;

/** A retry policy of the file, checked by the engine's own resolver. */
export function resolveRetry(
  problems: ProblemCollector,
  path: ConfigPath,
  raw: RawRetry,
): ResolvedRetryPolicy | undefined {
  const foreign = raw.kind === "fixed" ? EXPONENTIAL_ONLY : FIXED_ONLY;
  const misplaced = foreign.filter((field) => raw[field] !== undefined);
  const other = raw.kind === "fixed" ? "exponential" : "fixed";
  for (const field of misplaced)
    problems.add([...path, field], `${field} applies to kind: ${other} only`, "key");
  if (raw.kind === "fixed" && raw.delay === undefined) {
    problems.add(path, "a fixed retry needs a delay, e.g. { kind: fixed, delay: 30s }");
    return undefined;
  }
  if (misplaced.length > 0) return undefined;
  // The file's retry has the engine's shape; only `jitter`'s type is narrower after validation.
  return problems.check(
    path,
    () => resolveRetryPolicy(raw as Parameters<typeof resolveRetryPolicy>[0]),
    (error) =>
      optionPath(path, error, {
        "retry.base": "base",
        "retry.cap": "cap",
        "retry.delay": "delay",
        retry: "",
      }),
  );
}
