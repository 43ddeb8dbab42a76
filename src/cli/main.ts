#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerConfig } from "./config-validate.js";
import { registerDead } from "./dead.js";
import { registerDoctor } from "./doctor.js";
import { registerEnqueue } from "./enqueue.js";
import { registerJobs } from "./jobs.js";
import { registerMigrate } from "./migrate.js";
import { registerSchedules } from "./schedules.js";
import { registerStart } from "./start.js";
import { registerTokens } from "./tokens.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const program = new Command()
  .name("taskflow")
  .description("TaskFlow: a reliable, distributed cron and job scheduler on PostgreSQL")
  .version(version)
  .showHelpAfterError("(run with --help for usage)")
  .addHelpText(
    "after",
    `
Examples:
  $ taskflow start --config examples/taskflow.yaml          the service: scheduler, workers, API
  $ taskflow start --tasks ./examples/tasks.mjs             code tasks only, embedded database
  $ export TASKFLOW_URL=http://127.0.0.1:8080 TASKFLOW_TOKEN=tf_…
  $ taskflow jobs ls --state dead                           ask a running service
  $ taskflow config validate --config taskflow.yaml
  $ taskflow doctor

schedules, jobs, dead and tokens talk to a running service's REST API: --url (default
$TASKFLOW_URL, else http://127.0.0.1:8080) and --token (default $TASKFLOW_TOKEN).

Exit codes:
  0  ok
  1  failure (doctor: a check failed)
  2  invalid input: bad flag or argument, or the API answered 400, 404 or 409
  3  database unavailable or migration failed
  4  not authenticated or not allowed (the API answered 401 or 403)
  5  the service cannot be reached (connection refused, host not found, timeout)`,
  );
program.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

registerStart(program);
registerMigrate(program);
registerEnqueue(program);
registerSchedules(program);
registerJobs(program);
registerDead(program);
registerTokens(program);
registerConfig(program);
registerDoctor(program);

await program.parseAsync();
