import { isAbsolute, resolve } from "node:path";
import { parseDuration } from "../domain/duration.js";
import { assertShellEnabled, resolveHttpSpec, resolveShellSpec } from "../executors/index.js";
import { parseSize } from "./sizes.js";
import type { RawConfig, RawTask } from "./config-schema.js";
import type { ConfigPath } from "./config-problems.js";
import { optionPath, type ProblemCollector } from "./problem-collector.js";
import { resolveLimit, resolveRetry } from "./resolve-sections.js";
import type { ServiceConfig, TaskConfig, TaskOverrides } from "./service-config.js";

export const TASK_NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;
const KINDS = ["module", "shell", "http"] as const;

/** The tasks of the file, each checked by its executor; relative paths against `folder`. */
export function resolveTasks(
  raw: RawConfig,
  folder: string,
  executors: ServiceConfig["executors"],
  problems: ProblemCollector,
): TaskConfig[] {
  const tasks: TaskConfig[] = [];
  for (const [name, task] of Object.entries(raw.tasks ?? {})) {
    const path = ["tasks", name];
    if (!TASK_NAME.test(name)) {
      problems.add(path, "a task name must be 1-200 characters of letters, digits and _ . : - /", "key");
      continue;
    }
    const kinds = KINDS.filter((kind) => task[kind] !== undefined);
    if (kinds.length !== 1) {
      const got = kinds.length === 0 ? "none" : kinds.join(" and ");
      problems.add(path, `a task needs exactly one of module (code), shell or http; got ${got}`, "key");
      continue;
    }
    if (task.export !== undefined && task.module === undefined) {
      problems.add([...path, "export"], "export applies to a code task (module:) only", "key");
    }
    const base = {
      name,
      ...(task.description === undefined ? {} : { description: task.description }),
      options: resolveOverrides(task, path, problems),
    };
    const resolved = resolveKind(task, base, path, folder, executors, problems);
    if (resolved !== undefined) tasks.push(resolved);
  }
  return tasks;
}

function resolveOverrides(task: RawTask, path: ConfigPath, problems: ProblemCollector): TaskOverrides {
  const options: TaskOverrides = {};
  if (task.timeout !== undefined)
    options.timeoutMs = resolveLimit(problems, [...path, "timeout"], task.timeout);
  if (task.maxAttempts !== undefined) options.maxAttempts = task.maxAttempts;
  if (task.concurrency !== undefined) options.concurrency = task.concurrency;
  if (task.concurrencyKey !== undefined) options.concurrencyKey = task.concurrencyKey;
  if (task.concurrencyKeyLimit !== undefined) options.concurrencyKeyLimit = task.concurrencyKeyLimit;
  if (task.rateLimit !== undefined) {
    const { max, per } = task.rateLimit;
    const perMs = problems.check([...path, "rateLimit", "per"], () => parseDuration(per));
    if (perMs !== undefined && perMs < 1)
      problems.add([...path, "rateLimit", "per"], "the window must be at least 1ms");
    else if (perMs !== undefined) options.rateLimit = { max, perMs };
  }
  if (task.circuitBreaker !== undefined) {
    const { consecutiveFailures, openFor } = task.circuitBreaker;
    const breaker: NonNullable<TaskOverrides["circuitBreaker"]> = {};
    if (consecutiveFailures !== undefined) breaker.consecutiveFailures = consecutiveFailures;
    if (openFor !== undefined) {
      const openForMs = problems.check([...path, "circuitBreaker", "openFor"], () => parseDuration(openFor));
      if (openForMs !== undefined && openForMs < 1)
        problems.add([...path, "circuitBreaker", "openFor"], "the open time must be at least 1ms");
      else if (openForMs !== undefined) breaker.openForMs = openForMs;
    }
    options.circuitBreaker = breaker;
  }
  if (task.retry !== undefined) {
    const retry = resolveRetry(problems, [...path, "retry"], task.retry);
    if (retry !== undefined) options.retry = retry;
  }
  return options;
}

function resolveKind(
  task: RawTask,
  base: Pick<TaskConfig, "name" | "options" | "description">,
  path: ConfigPath,
  folder: string,
  executors: ServiceConfig["executors"],
  problems: ProblemCollector,
): TaskConfig | undefined {
  if (task.module !== undefined) {
    return { ...base, kind: "code", module: resolve(folder, task.module), export: task.export ?? "default" };
  }
  if (task.shell !== undefined) {
    const shellPath = [...path, "shell"];
    if (!shellEnabled(executors, shellPath, problems)) return undefined;
    if (task.shell.timeout !== undefined && task.timeout !== undefined) {
      problems.add([...shellPath, "timeout"], "give the timeout either on the task or in shell:, not both");
    }
    const { timeout, cwd, ...rest } = task.shell;
    const raw = {
      ...rest,
      ...(cwd === undefined ? {} : { cwd: isAbsolute(cwd) ? cwd : resolve(folder, cwd) }),
      ...(timeout === undefined
        ? {}
        : { timeoutMs: problems.check([...shellPath, "timeout"], () => parseDuration(timeout)) }),
    };
    const shell = problems.check(
      shellPath,
      () => resolveShellSpec(raw),
      (error) => optionPath(shellPath, error, { timeoutMs: "timeout" }),
    );
    return shell === undefined ? undefined : { ...base, kind: "shell", shell };
  }
  const httpPath = [...path, "http"];
  const raw = httpSpecInput(task.http as Record<string, unknown>, executors.http, httpPath, problems);
  const http = problems.check(
    httpPath,
    () => resolveHttpSpec(raw),
    (error) => optionPath(httpPath, error, HTTP_FIELD_NAMES),
  );
  return http === undefined ? undefined : { ...base, kind: "http", http };
}

/** Shell tasks are refused, pointing at the task's `shell:`, unless the node enables them. */
function shellEnabled(
  executors: ServiceConfig["executors"],
  path: ConfigPath,
  problems: ProblemCollector,
): boolean {
  try {
    assertShellEnabled(executors.shell);
    return true;
  } catch (error) {
    problems.add(path, (error as Error).message, "key");
    return false;
  }
}

/** The executor's spec names for the file's fields. */
const HTTP_FIELD_NAMES: Record<string, string> = {
  connectMs: "timeouts.connect",
  headersMs: "timeouts.headers",
  totalMs: "timeouts.total",
};

/**
 * The file's HTTP job (durations and sizes as text, `timeouts: { connect, headers, total }`)
 * as the executor's spec, with the node's `executors.http.timeouts` as defaults.
 */
function httpSpecInput(
  http: Record<string, unknown>,
  settings: ServiceConfig["executors"]["http"],
  path: ConfigPath,
  problems: ProblemCollector,
): Record<string, unknown> {
  const { timeouts, maxResponseBytes, ...rest } = http as {
    timeouts?: { connect?: number | string; headers?: number | string; total?: number | string };
    maxResponseBytes?: number | string;
  };
  const ms = (name: "connect" | "headers" | "total", fallback: number) => {
    const value = timeouts?.[name];
    return value === undefined
      ? fallback
      : problems.check([...path, "timeouts", name], () => parseDuration(value));
  };
  return {
    ...rest,
    connectMs: ms("connect", settings.timeouts.connectMs),
    headersMs: ms("headers", settings.timeouts.headersMs),
    totalMs: ms("total", settings.timeouts.totalMs),
    ...(maxResponseBytes === undefined
      ? {}
      : {
          maxResponseBytes: problems.check([...path, "maxResponseBytes"], () => parseSize(maxResponseBytes)),
        }),
  };
}
