// Runs `taskflow config …` as main.ts will once it registers the verb: a commander program
// with registerConfig, the same exit-code override. Spawned by config-cli.test.ts.
import { Command } from "commander";
import { registerConfig } from "../../../src/cli/config-validate.js";

const program = new Command().name("taskflow").showHelpAfterError("(run with --help for usage)");
program.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
registerConfig(program);
await program.parseAsync();
