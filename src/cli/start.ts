import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import { TaskFlow } from "../taskflow.js";
import { ExitCode, reportError } from "./exit-codes.js";
import { describeStore, storeOptions, withStoreFlags, type StoreFlags } from "./store-flags.js";

interface StartFlags extends StoreFlags {
  tasks: string[];
  concurrency?: string;
  queues?: string;
  logLevel: string;
}

export function registerStart(program: Command): void {
  withStoreFlags(program.command("start"))
    .description("run a TaskFlow node: claim and run jobs of the tasks its modules register")
    .option(
      "--tasks <module>",
      "module whose `register(tf)` export registers tasks (repeatable)",
      collect,
      [],
    )
    .option("--concurrency <n>", "most jobs running at once on this node (default 10)")
    .option("--queues <names>", "comma-separated queues to serve (default: all)")
    .option("--log-level <level>", "fatal | error | warn | info | debug | trace | silent", "info")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow start --tasks ./examples/tasks.mjs
  $ taskflow start --database postgres://app@db:5432/app --tasks ./dist/tasks.js --concurrency 50

On SIGTERM or SIGINT the node stops claiming, lets running jobs finish (up to 10s), then
releases the rest to other nodes. A second signal exits at once.`,
    )
    .action(async (flags: StartFlags) => {
      process.exitCode = await start(flags);
    });
}

async function start(flags: StartFlags): Promise<number> {
  let tf: TaskFlow | undefined;
  try {
    const options = storeOptions(flags);
    const concurrency = flags.concurrency === undefined ? undefined : Number(flags.concurrency);
    tf = await TaskFlow.create({
      ...options,
      logger: flags.logLevel as "info",
      worker: {
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(flags.queues === undefined ? {} : { queues: flags.queues.split(",").map((q) => q.trim()) }),
      },
    });
    await loadTaskModules(tf, flags.tasks);
    const registered = tf.taskNames;
    await tf.start();
    console.error(`TaskFlow is running on ${describeStore(options)}`);
    console.error(
      registered.length > 0
        ? `tasks: ${registered.join(", ")}`
        : "no tasks registered: this node runs no jobs (see --tasks)",
    );
    console.error("press Ctrl-C to stop");
    await untilSignal(tf);
    return ExitCode.Ok;
  } catch (error) {
    await tf?.stop().catch(() => undefined);
    return reportError(error);
  }
}

/** Imports each module and calls its `register(tf)` (or default export). */
async function loadTaskModules(tf: TaskFlow, modules: string[]): Promise<void> {
  for (const path of modules) {
    const module = (await import(pathToFileURL(resolve(path)).href)) as {
      register?: unknown;
      default?: unknown;
    };
    const register = module.register ?? module.default;
    if (typeof register !== "function") {
      throw new InvalidInputError(
        `task module ${path} must export a function register(tf) (or a default export function)`,
        {
          code: ErrorCode.InvalidOption,
          details: { option: "--tasks", module: path },
        },
      );
    }
    await (register as (tf: TaskFlow) => unknown)(tf);
  }
}

function untilSignal(tf: TaskFlow): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`${signal} again: exiting now`);
        process.exit(ExitCode.Failure);
      }
      stopping = true;
      console.error(`${signal}: stopping (finishing running jobs)…`);
      tf.stop().then(resolve, reject);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
