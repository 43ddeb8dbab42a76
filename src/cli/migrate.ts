import type { Command } from "commander";
import { TaskFlow } from "../taskflow.js";
import { ExitCode, reportError } from "./exit-codes.js";
import { describeStore, storeOptions, withStoreFlags, type StoreFlags } from "./store-flags.js";

export function registerMigrate(program: Command): void {
  withStoreFlags(program.command("migrate"))
    .description("bring the database schema up to date, then exit (start does this too)")
    .addHelpText("after", "\nExample:\n  $ taskflow migrate --database postgres://app@db:5432/app")
    .action(async (flags: StoreFlags) => {
      try {
        const options = storeOptions(flags);
        const tf = await TaskFlow.create({ ...options, logger: "warn" });
        await tf.stop();
        console.log(`schema up to date on ${describeStore(options)}`);
        process.exitCode = ExitCode.Ok;
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
}
