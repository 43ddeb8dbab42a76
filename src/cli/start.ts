import type { Command } from "commander";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import { defaultConfigPath, startService, type RunningService } from "../service/service.js";
import { ExitCode, reportError } from "./exit-codes.js";
import { storeOptions, withStoreFlags, type StoreFlags } from "./store-flags.js";

interface StartFlags extends StoreFlags {
  config?: string;
  tasks: string[];
  host?: string;
  port?: string;
  concurrency?: string;
  queues?: string;
  logLevel: string;
}

export function registerStart(program: Command): void {
  const command = withStoreFlags(program.command("start"))
    .description("run a TaskFlow node: scheduler, workers and the REST API, from taskflow.yaml")
    .option(
      "--config <file>",
      "taskflow.yaml to run (default: $TASKFLOW_CONFIG, else ./taskflow.yaml if present)",
    )
    .option(
      "--tasks <module>",
      "module whose `register(tf)` export registers code tasks (repeatable)",
      collect,
      [],
    )
    .option("--host <host>", "address the API listens on (default: the file's server.host, else 127.0.0.1)")
    .option(
      "--port <port>",
      "port of the API; 0 picks a free one (default: the file's server.port, else 8080)",
    )
    .option("--concurrency <n>", "most jobs running at once on this node (default 10)")
    .option("--queues <names>", "comma-separated queues to serve (default: all)")
    .option("--log-level <level>", "fatal | error | warn | info | debug | trace | silent", "info")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow start --config examples/taskflow.yaml
  $ DATABASE_URL=postgres://app@db:5432/app taskflow start --config /etc/taskflow/taskflow.yaml
  $ taskflow start --tasks ./dist/tasks.js --port 9090

On the first start against an empty database an admin API token is created and printed once;
only its hash is stored. Edits of the config file apply without a restart (schedules and
calendars); an invalid edit is refused and logged, and the running configuration stays.

On SIGTERM or SIGINT the node stops serving and claiming, lets running jobs finish (the
worker's drain timeout), then releases the rest to other nodes. A second signal exits at once.`,
    )
    .action(async (flags: StartFlags) => {
      process.exitCode = await start(flags, command);
    });
}

async function start(flags: StartFlags, command: Command): Promise<number> {
  let service: RunningService | undefined;
  try {
    const store = storeOptions(flags);
    // The embedded database folder has a default; only an explicit --data-dir overrides the file.
    if (command.getOptionValueSource("dataDir") === "default") delete store.dataDir;
    if (command.getOptionValueSource("schema") === "default") delete store.schema;
    service = await startService({
      configPath: defaultConfigPath(flags.config),
      store,
      taskModules: flags.tasks,
      logLevel: flags.logLevel,
      ...(flags.host === undefined ? {} : { host: flags.host }),
      ...(flags.port === undefined ? {} : { port: integer(flags.port, "--port") }),
      ...(flags.concurrency === undefined
        ? {}
        : { concurrency: integer(flags.concurrency, "--concurrency") }),
      ...(flags.queues === undefined ? {} : { queues: flags.queues.split(",").map((q) => q.trim()) }),
    });
    printBanner(service);
    await untilSignal(service);
    return ExitCode.Ok;
  } catch (error) {
    await service?.stop().catch(() => undefined);
    return reportError(error);
  }
}

function printBanner(service: RunningService): void {
  const tasks = service.tf.taskNames;
  const lines = [
    `TaskFlow is running on ${service.describeStore}`,
    `dashboard: ${service.url}/`,
    `API:     ${service.url}/api/v1   (OpenAPI: ${service.url}/docs)`,
    service.config === null
      ? "config:  none (no taskflow.yaml; see --config)"
      : `config:  ${service.config.sourcePath} (reloaded on change)`,
    tasks.length > 0
      ? `tasks:   ${tasks.join(", ")}`
      : "tasks:   none registered: this node runs no jobs (see --config, --tasks)",
  ];
  if (service.initialAdminToken !== null) {
    lines.push(
      "",
      "First start: an admin API token was created. It is shown only this once (only its hash is stored):",
      "",
      `  export TASKFLOW_TOKEN=${service.initialAdminToken}`,
      "",
      `Try:  curl -H "Authorization: Bearer $TASKFLOW_TOKEN" ${service.url}/api/v1/schedules`,
      "      taskflow schedules ls        (uses $TASKFLOW_TOKEN)",
      "",
    );
  }
  lines.push("press Ctrl-C to stop");
  console.error(lines.join("\n"));
}

function untilSignal(service: RunningService): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`${signal} again: exiting now`);
        process.exit(ExitCode.Failure);
      }
      stopping = true;
      console.error(`${signal}: stopping (finishing running jobs)…`);
      service.stop().then(resolve, reject);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

function integer(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidInputError(`${flag} must be a whole number, got ${JSON.stringify(value)}`, {
      code: ErrorCode.InvalidOption,
      details: { option: flag },
    });
  }
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
