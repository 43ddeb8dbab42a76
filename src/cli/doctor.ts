import type { Command } from "commander";
import type { StoreOptions } from "../store/open-store.js";
import { DEFAULT_SERVICE_URL } from "./api-client.js";
import { verb } from "./client-flags.js";
import { checkApi, checkConfig, checkDatabase, type CheckResult } from "./doctor-checks.js";
import { ExitCode } from "./exit-codes.js";
import { outputOf } from "./output.js";
import { storeOptions, withStoreFlags, type StoreFlags } from "./store-flags.js";

interface DoctorFlags extends StoreFlags {
  config?: string;
  url?: string;
  json?: boolean;
  color?: boolean;
}

/** `taskflow doctor`: checks a deployment without changing it. */
export function registerDoctor(program: Command): void {
  withStoreFlags(program.command("doctor"))
    .description("check the config, database, migrations, clock and service; changes nothing")
    .option("--config <file>", "taskflow.yaml to check (default: ./taskflow.yaml when it exists)")
    .option("--url <url>", `the service to check (default: $TASKFLOW_URL, else ${DEFAULT_SERVICE_URL})`)
    .option("--json", "print the checks as a JSON array")
    .option("--no-color", "no colours (NO_COLOR=1 does the same)")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow doctor
  $ taskflow doctor --config /etc/taskflow/taskflow.yaml --url http://taskflow.internal:8080
  $ taskflow doctor --database postgres://app@db:5432/app --json

Each check prints ok, warn, fail or skip. Migrations are compared, never applied; the clock
check warns above 1 s of skew against the database and fails above 30 s. The database comes
from --database/--data-dir, else the config file, else $DATABASE_URL, else ./.taskflow/data.
While a service runs on the embedded database it holds it: the database checks then say so,
and the api check tells whether that service is ready.
Exit code: 0 when nothing failed (warnings allowed), 1 when a check failed.`,
    )
    .action(verb((flags: DoctorFlags, command: Command) => doctor(flags, command)));
}

async function doctor(flags: DoctorFlags, command: Command): Promise<number> {
  const { result: config, config: loaded } = await checkConfig(flags.config);
  const given = (name: string) => command.getOptionValueSource(name) === "cli";
  let options: StoreOptions;
  if (given("database")) options = storeOptions(flags);
  else if (given("dataDir")) options = { dataDir: flags.dataDir, schema: flags.schema };
  else if (loaded !== null)
    options = {
      database: loaded.database ?? undefined,
      dataDir: loaded.dataDir,
      schema: given("schema") ? flags.schema : loaded.schema,
    };
  else options = storeOptions(flags);

  const envUrl = process.env.TASKFLOW_URL === "" ? undefined : process.env.TASKFLOW_URL;
  const url = flags.url ?? envUrl ?? DEFAULT_SERVICE_URL;
  const named = flags.url !== undefined || envUrl !== undefined;
  const [database, api] = await Promise.all([checkDatabase(options), checkApi(url, named)]);
  const checks: CheckResult[] = [config, ...database, api];

  const out = outputOf(flags);
  if (flags.json === true) out.json(checks);
  else {
    for (const check of checks) {
      const [first = "", ...rest] = check.message.split("\n");
      out.line(`${out.state(check.status, 4)}  ${check.check.padEnd(10)}  ${first}`);
      for (const line of rest) out.line(`${" ".repeat(18)}${line}`);
    }
  }
  return checks.some((check) => check.status === "fail") ? ExitCode.Failure : ExitCode.Ok;
}
