import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "pino";
import { collectDefaultMetrics } from "prom-client";
import {
  applyConfigSchedules,
  buildTaskDefinitions,
  describeSync,
  loadConfig,
  startConfigReload,
  taskFlowOptionsOf,
  type ConfigWatcher,
  type ServiceConfig,
} from "../config/index.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import { createLogger } from "../observability/logger.js";
import { PACKAGE_VERSION } from "../package-version.js";
import { buildApp, DEFAULT_BODY_LIMIT } from "../server/app.js";
import { createServerDeps, type TaskKind } from "../server/server-deps.js";
import { describeStore, type StoreOptions } from "../store/open-store.js";
import { TaskFlow } from "../taskflow.js";

export interface ServiceOptions {
  /** taskflow.yaml; null runs without one (tasks from `taskModules` only). */
  configPath: string | null;
  /** Overrides of the file's store settings (command-line flags). */
  store?: StoreOptions;
  /** Overrides of the file's `server` section. */
  host?: string;
  port?: number;
  concurrency?: number;
  queues?: string[];
  /** Modules whose `register(tf)` export registers code tasks (`--tasks`). */
  taskModules?: string[];
  logLevel?: string;
  logger?: Logger;
}

export interface RunningService {
  tf: TaskFlow;
  /** Where the API listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The admin token created on the first start of an empty store; null otherwise. */
  initialAdminToken: string | null;
  config: ServiceConfig | null;
  describeStore: string;
  stop(): Promise<void>;
}

const DEFAULT_HOST = "127.0.0.1";
/** `dist/dashboard` of the package (two folders up from src/service or dist/service). */
const BUILT_DASHBOARD = fileURLToPath(new URL("../../dist/dashboard", import.meta.url));
const DEFAULT_PORT = 8080;

/**
 * One service node: loads taskflow.yaml, registers its tasks, applies its schedules, starts the
 * engine, creates the first admin token on an empty store, serves the REST API, and applies
 * later edits of the file without a restart.
 */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const logger = options.logger ?? createLogger((options.logLevel ?? "info") as "info");
  const config = options.configPath === null ? null : await loadConfig(options.configPath);
  const base = config === null ? {} : taskFlowOptionsOf(config);
  const store = { ...pick(base), ...definedOnly(options.store ?? {}) };
  const tf = await TaskFlow.create({
    ...base,
    ...store,
    logger,
    worker: {
      ...base.worker,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.queues === undefined ? {} : { queues: options.queues }),
    },
  });
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  let watcher: ConfigWatcher | null = null;
  try {
    // The service's /metrics also shows the process (CPU, memory, event loop lag, GC).
    collectDefaultMetrics({ register: tf.metrics });
    const taskKinds = new Map<string, TaskKind>();
    if (config !== null) {
      const definitions = await buildTaskDefinitions(config);
      for (const task of config.tasks) {
        const definition = definitions.get(task.name);
        if (definition === undefined) continue;
        tf.task(task.name, definition);
        taskKinds.set(task.name, task.kind);
      }
    }
    await registerTaskModules(tf, options.taskModules ?? []);
    if (config !== null) {
      const sync = await applyConfigSchedules(tf, config, { logger });
      logger.info({ ...sync }, `schedules from ${config.sourcePath}: ${describeSync(sync)}`);
    }
    await tf.start();

    const deps = createServerDeps(tf, {
      logger,
      taskKinds,
      version: PACKAGE_VERSION,
      bodyLimit: config?.server.bodyLimitBytes ?? DEFAULT_BODY_LIMIT,
      dashboardDir: BUILT_DASHBOARD,
      trustProxy: config?.server.trustProxy ?? false,
    });
    const first = await deps.tokens.bootstrapAdmin("taskflow start (first start)");
    app = await buildApp(deps);
    const host = options.host ?? config?.server.host ?? DEFAULT_HOST;
    const port = options.port ?? config?.server.port ?? DEFAULT_PORT;
    await app.listen({ host, port });
    const address = app.server.address();
    const boundPort = typeof address === "object" && address !== null ? address.port : port;
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${boundPort}`;
    if (config !== null && options.configPath !== null) {
      watcher = startConfigReload(tf, options.configPath, config, logger);
    }
    const running = app;
    const activeWatcher = watcher;
    return {
      tf,
      url,
      initialAdminToken: first?.token ?? null,
      config,
      describeStore: describeStore(store),
      stop: async () => {
        await activeWatcher?.close();
        await running.close();
        await tf.stop();
      },
    };
  } catch (error) {
    await watcher?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await tf.stop().catch(() => undefined);
    throw error;
  }
}

/** `./taskflow.yaml` when present, else null (the service then runs on `--tasks` modules only). */
export function defaultConfigPath(explicit: string | undefined): string | null {
  if (explicit !== undefined && explicit !== "") return explicit;
  const fromEnv = process.env.TASKFLOW_CONFIG;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return existsSync("taskflow.yaml") ? "taskflow.yaml" : null;
}

/** Imports each module and calls its `register(tf)` (or default export). */
export async function registerTaskModules(tf: TaskFlow, modules: string[]): Promise<void> {
  for (const path of modules) {
    const module = (await import(pathToFileURL(resolve(path)).href)) as {
      register?: unknown;
      default?: unknown;
    };
    const register = module.register ?? module.default;
    if (typeof register !== "function") {
      throw new InvalidInputError(
        `task module ${path} must export a function register(tf) (or a default export function)`,
        { code: ErrorCode.InvalidOption, details: { option: "--tasks", module: path } },
      );
    }
    await (register as (tf: TaskFlow) => unknown)(tf);
  }
}

function pick(options: StoreOptions): StoreOptions {
  return definedOnly({ database: options.database, dataDir: options.dataDir, schema: options.schema });
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== "")) as T;
}
