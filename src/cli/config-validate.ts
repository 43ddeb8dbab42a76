import { basename } from "node:path";
import type { Command } from "commander";
import { configProblemsOf, loadConfig, type ServiceConfig } from "../config/index.js";
import { TaskFlowError } from "../domain/errors.js";
import { ExitCode, reportError } from "./exit-codes.js";

interface ValidateFlags {
  config: string;
  json?: boolean;
}

/** The file `--config` defaults to: `$TASKFLOW_CONFIG`, else ./taskflow.yaml. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.TASKFLOW_CONFIG !== undefined && env.TASKFLOW_CONFIG !== ""
    ? env.TASKFLOW_CONFIG
    : "./taskflow.yaml";
}

/** `taskflow config validate`: checks a taskflow.yaml without starting anything. */
export function registerConfig(program: Command): void {
  const config = program
    .command("config")
    .description("work with taskflow.yaml, the service's configuration");
  config
    .command("validate")
    .description("check a taskflow.yaml (schema, durations, cron, time zones, tasks, schedules) and exit")
    .option("--config <file>", "the configuration file (default: $TASKFLOW_CONFIG, else ./taskflow.yaml)")
    .option("--json", "print the result as JSON on stdout")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow config validate
  $ taskflow config validate --config ./examples/taskflow.yaml --json

Each problem is printed as file:line:column field: message. Variables (\${VAR}) are read from
the environment, as \`taskflow start\` would. Exit codes: 0 valid, 2 invalid or not found.`,
    )
    .action(async (flags: Partial<ValidateFlags>) => {
      process.exitCode = await validate({ ...flags, config: flags.config ?? defaultConfigPath() });
    });
}

async function validate(flags: ValidateFlags): Promise<number> {
  let loaded: ServiceConfig;
  try {
    loaded = await loadConfig(flags.config);
  } catch (error) {
    if (flags.json === true && error instanceof TaskFlowError) {
      const problems = configProblemsOf(error);
      console.log(
        JSON.stringify({ valid: false, code: error.code, message: error.message, problems }, null, 2),
      );
      return ExitCode.InvalidInput;
    }
    return reportError(error);
  }
  const summary = {
    tasks: loaded.tasks.length,
    schedules: loaded.schedules.length,
    calendars: loaded.calendars.length,
  };
  if (flags.json === true) {
    console.log(JSON.stringify({ valid: true, file: loaded.sourcePath, ...summary }, null, 2));
  } else {
    console.log(
      `${basename(loaded.sourcePath)} is valid: ${plural(summary.tasks, "task")}, ${plural(summary.schedules, "schedule")}`,
    );
  }
  return ExitCode.Ok;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
