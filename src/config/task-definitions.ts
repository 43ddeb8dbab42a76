import { pathToFileURL } from "node:url";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { ResolvedRetryPolicy, RetryPolicy } from "../domain/retry-policy.js";
import type { TaskDefinition } from "../domain/task.js";
import { httpTask, shellTask, type ExecutorRuntime } from "../executors/index.js";
import type { CodeTaskConfig, ServiceConfig, TaskConfig, TaskDefaults } from "./service-config.js";

/**
 * The task definitions of the file, ready for `tf.task(name, definition)`: code tasks imported
 * from their modules (paths relative to the file), shell and HTTP tasks built by the executors.
 * Options: what the file sets on the task, else what a code task's module sets, else
 * `taskDefaults`. Errors name the task.
 */
export async function buildTaskDefinitions(
  config: ServiceConfig,
  runtime: ExecutorRuntime = {},
): Promise<Map<string, TaskDefinition>> {
  const definitions = new Map<string, TaskDefinition>();
  for (const task of config.tasks) {
    const base = await baseDefinition(task, config, runtime);
    definitions.set(task.name, withOptions(base, task, config.taskDefaults));
  }
  return definitions;
}

async function baseDefinition(
  task: TaskConfig,
  config: ServiceConfig,
  runtime: ExecutorRuntime,
): Promise<TaskDefinition> {
  switch (task.kind) {
    case "code":
      return importCodeTask(task);
    case "shell":
      return shellTask(task.shell, config.executors.shell, runtime);
    case "http":
      return httpTask(
        task.http,
        { allow: config.executors.http.allow, maxResponseBytes: config.executors.http.maxResponseBytes },
        runtime,
      );
  }
}

async function importCodeTask(task: CodeTaskConfig): Promise<TaskDefinition> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(task.module).href)) as Record<string, unknown>;
  } catch (error) {
    throw taskError(task.name, `cannot import ${task.module}: ${(error as Error).message}`, error);
  }
  const exported = module[task.export];
  if (typeof exported === "function") return { run: exported as TaskDefinition["run"] };
  if (
    typeof exported === "object" &&
    exported !== null &&
    typeof (exported as TaskDefinition).run === "function"
  ) {
    return exported as TaskDefinition;
  }
  const found = exported === undefined ? "nothing" : typeof exported;
  throw taskError(
    task.name,
    `${task.module} must export ${task.export === "default" ? "by default" : `"${task.export}" as`} a task (an object with run(ctx)) or a run function; found ${found}`,
  );
}

/** File overrides win over the module's own options, which win over `taskDefaults`. */
function withOptions(base: TaskDefinition, task: TaskConfig, defaults: TaskDefaults): TaskDefinition {
  const { options } = task;
  const timeoutMs =
    options.timeoutMs !== undefined ? options.timeoutMs : (base.timeout ?? defaults.timeoutMs);
  const retry =
    options.retry !== undefined ? retryPolicy(options.retry) : (base.retry ?? retryPolicy(defaults.retry));
  const concurrency = options.concurrency ?? base.concurrency ?? defaults.concurrency;
  const definition: TaskDefinition = {
    ...base,
    run: (ctx) => base.run(ctx),
    maxAttempts: options.maxAttempts ?? base.maxAttempts ?? defaults.maxAttempts,
    retry,
  };
  if (timeoutMs === null) delete definition.timeout;
  else definition.timeout = timeoutMs;
  if (concurrency === null) delete definition.concurrency;
  else definition.concurrency = concurrency;
  const { concurrencyKey, concurrencyKeyLimit, rateLimit, circuitBreaker } = options;
  if (concurrencyKey !== undefined) definition.concurrencyKey = () => concurrencyKey;
  if (concurrencyKeyLimit !== undefined) definition.concurrencyKeyLimit = concurrencyKeyLimit;
  if (rateLimit !== undefined) definition.rateLimit = { max: rateLimit.max, per: rateLimit.perMs };
  if (circuitBreaker !== undefined) {
    definition.circuitBreaker = {
      ...(circuitBreaker.consecutiveFailures === undefined
        ? {}
        : { consecutiveFailures: circuitBreaker.consecutiveFailures }),
      ...(circuitBreaker.openForMs === undefined ? {} : { openFor: circuitBreaker.openForMs }),
    };
  }
  return definition;
}

function retryPolicy(policy: ResolvedRetryPolicy): RetryPolicy {
  if (policy.kind === "fixed") return { kind: "fixed", delay: policy.delayMs };
  return {
    kind: "exponential",
    base: policy.baseMs,
    factor: policy.factor,
    cap: policy.capMs,
    jitter: policy.jitter,
  };
}

function taskError(name: string, message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(`task ${JSON.stringify(name)}: ${message}`, {
    code: ErrorCode.ConfigInvalid,
    ...(cause === undefined ? {} : { cause }),
    details: { task: name },
  });
}
