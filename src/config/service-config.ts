import type { AlertOptions } from "../alerts/alert-options.js";
import type { ResolvedRetryPolicy } from "../domain/retry-policy.js";
import type { ExclusionCalendar } from "../domain/schedule.js";
import type { HttpJobSpec, ResolvedShellSettings, ShellJobSpec } from "../executors/index.js";
import type { ScheduleSpec } from "../scheduler/schedule-spec.js";
import type { TaskFlowOptions } from "../taskflow.js";

/**
 * A taskflow.yaml after validation: defaults filled in, durations in milliseconds, sizes in
 * bytes, relative paths made absolute against the file's folder.
 */
export interface ServiceConfig {
  /** Absolute path of the file this came from. */
  sourcePath: string;
  /** A PostgreSQL URL; null: the embedded database in `dataDir`. */
  database: string | null;
  /** Absolute folder of the embedded database (or a `memory://` name). */
  dataDir: string;
  /** PostgreSQL schema of TaskFlow's tables. */
  schema: string;
  server: { host: string; port: number; bodyLimitBytes: number; trustProxy: boolean };
  worker: {
    concurrency: number;
    /** Null: every queue. */
    queues: string[] | null;
    leaseDurationMs: number;
    drainTimeoutMs: number;
  };
  /** Null: finished jobs are kept for ever. */
  retention: { finishedJobsMs: number | null };
  executors: { shell: ResolvedShellSettings; http: HttpExecutorConfig };
  taskDefaults: TaskDefaults;
  calendars: ExclusionCalendar[];
  tasks: TaskConfig[];
  /** Tasks that other processes register, which schedules of this file may name. */
  externalTasks: string[];
  schedules: ScheduleConfig[];
  /** The `alerts:` section, checked, as TaskFlow options (docs/alerting.md). */
  alerts: AlertOptions;
}

export interface HttpExecutorConfig {
  /** Private, loopback… targets HTTP jobs may reach anyway (IPs, CIDRs, host names, `:port`). */
  allow: string[];
  maxResponseBytes: number;
  /** Defaults of each HTTP job's own timeouts. */
  timeouts: { connectMs: number; headersMs: number; totalMs: number };
}

export interface TaskDefaults {
  /** Null: no time limit. */
  timeoutMs: number | null;
  maxAttempts: number;
  retry: ResolvedRetryPolicy;
  /** Null: limited by the node's concurrency only. */
  concurrency: number | null;
}

/** What a task of the file sets itself; anything absent comes from the module, then `taskDefaults`. */
export interface TaskOverrides {
  /** Null: `timeout: none`. */
  timeoutMs?: number | null;
  maxAttempts?: number;
  retry?: ResolvedRetryPolicy;
  concurrency?: number;
  concurrencyKey?: string;
  concurrencyKeyLimit?: number;
  rateLimit?: { max: number; perMs: number };
  circuitBreaker?: { consecutiveFailures?: number; openForMs?: number };
}

interface TaskBase {
  name: string;
  description?: string;
  options: TaskOverrides;
}

/** `module:` — an ES module exporting a TaskDefinition (an object with `run`) or a run function. */
export interface CodeTaskConfig extends TaskBase {
  kind: "code";
  /** Absolute path of the module. */
  module: string;
  /** @defaultValue "default" */
  export: string;
}

export interface ShellTaskConfig extends TaskBase {
  kind: "shell";
  /** Validated by the shell executor; `cwd` absolute; `timeoutMs` from `shell.timeout`. */
  shell: ShellJobSpec;
}

export interface HttpTaskConfig extends TaskBase {
  kind: "http";
  /** Validated by the HTTP executor, the node's `executors.http.timeouts` filled in. */
  http: HttpJobSpec;
}

export type TaskConfig = CodeTaskConfig | ShellTaskConfig | HttpTaskConfig;

/** A schedule of the file: its id and the spec exactly as written (after variable substitution). */
export interface ScheduleConfig {
  id: string;
  spec: ScheduleSpec;
}

/** The TaskFlow options a service node opens with, from its configuration. */
export function taskFlowOptionsOf(config: ServiceConfig): TaskFlowOptions {
  return {
    ...(config.database === null ? { dataDir: config.dataDir } : { database: config.database }),
    schema: config.schema,
    worker: {
      concurrency: config.worker.concurrency,
      leaseDuration: config.worker.leaseDurationMs,
      drainTimeout: config.worker.drainTimeoutMs,
      ...(config.worker.queues === null ? {} : { queues: config.worker.queues }),
    },
    maintenance: { retention: config.retention.finishedJobsMs ?? false },
    alerts: config.alerts,
    // Schedules may name tasks that only other processes register.
    unknownTasks: config.externalTasks.length > 0 ? "allow" : "reject",
  };
}
