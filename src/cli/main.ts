#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerConfig } from "./config-validate.js";
import { registerEnqueue } from "./enqueue.js";
import { registerMigrate } from "./migrate.js";
import { registerStart } from "./start.js";

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
  $ taskflow start --tasks ./examples/tasks.mjs          embedded database in ./.taskflow
  $ taskflow enqueue hello '{"name":"Ada"}' --database postgres://localhost/app

Exit codes: 0 ok, 1 failure, 2 invalid input, 3 database unavailable.`,
  );
program.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

registerStart(program);
registerMigrate(program);
registerEnqueue(program);
registerConfig(program);

await program.parseAsync();
