import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { JobDoc } from "./api-types.js";
import {
  clientContext,
  fetchList,
  hintMore,
  verb,
  withClientFlags,
  withPageFlags,
  type ClientFlags,
  type PageFlags,
} from "./client-flags.js";
import { CliError, CliErrorCode, ExitCode } from "./exit-codes.js";
import { jobQuery, printJobTable, withJobFilterFlags, type JobFilterFlags } from "./job-views.js";

interface ReplayFlags extends ClientFlags {
  task?: string;
  queue?: string;
  tag?: string;
  yes?: boolean;
}

/** `taskflow dead ls | replay`: the dead-letter queue through the REST API. */
export function registerDead(program: Command): void {
  const dead = program
    .command("dead")
    .description("the dead-letter queue: jobs whose attempts ran out or that failed permanently")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow dead ls --task send-email
  $ taskflow dead replay --task send-email`,
    );

  withClientFlags(withPageFlags(withJobFilterFlags(dead.command("ls")), "dead jobs"))
    .description("dead jobs, newest first")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow dead ls
  $ taskflow dead ls --task send-email --from 1d --json`,
    )
    .action(
      verb(async (flags: ClientFlags & PageFlags & JobFilterFlags) => {
        const { api, out, json } = clientContext(flags);
        const page = await fetchList<JobDoc>(api, "api/v1/dead", jobQuery(flags), flags);
        if (json) return out.json(page);
        printJobTable(out, page.items, "dead jobs");
        hintMore(page);
      }),
    );

  withClientFlags(dead.command("replay"))
    .description("run every dead job matching the filter again (all of them without a filter)")
    .option("--task <name>", "only dead jobs of this task")
    .option("--queue <name>", "only dead jobs of this queue")
    .option("--tag <tag>", "only dead jobs carrying this tag")
    .option("-y, --yes", "do not ask for confirmation (required when stdin is not a terminal)")
    .addHelpText(
      "after",
      `
Examples:
  $ taskflow dead replay --task send-email          asks before replaying
  $ taskflow dead replay --queue emails --yes       in a script

Each replayed job gets a fresh attempt budget. Without --yes the command asks on a terminal,
and refuses (exit 2, nothing replayed) when stdin is not one.`,
    )
    .action(
      verb(async (flags: ReplayFlags) => {
        const { api, out, json } = clientContext(flags);
        const filter = {
          ...(flags.task === undefined ? {} : { task: flags.task }),
          ...(flags.queue === undefined ? {} : { queue: flags.queue }),
          ...(flags.tag === undefined ? {} : { tag: [flags.tag] }),
        };
        if (flags.yes !== true) {
          if (process.stdin.isTTY !== true) {
            throw new CliError(
              CliErrorCode.ConfirmationRequired,
              "dead replay changes jobs and asks for confirmation, but stdin is not a terminal: pass --yes",
              ExitCode.InvalidInput,
            );
          }
          const { matching } = await api.post<{ matching: number }>("api/v1/dead/replay", {
            ...filter,
            dryRun: true,
          });
          if (matching === 0) {
            out.line("no dead jobs match: nothing to replay");
            return;
          }
          const count = `${matching} dead job${matching === 1 ? "" : "s"}`;
          if (!(await confirm(`Replay ${count}${describeFilter(filter)}? [y/N] `))) {
            console.error("nothing replayed");
            return ExitCode.Failure;
          }
        }
        const result = await api.post<{ replayed: number }>("api/v1/dead/replay", filter);
        if (json) return out.json(result);
        out.line(`replayed ${result.replayed} dead job${result.replayed === 1 ? "" : "s"}`);
      }),
    );
}

function describeFilter(filter: Record<string, string | string[]>): string {
  const parts = Object.entries(filter).map(([key, value]) => `${key} ${[value].flat().join(", ")}`);
  return parts.length === 0 ? " (all of them)" : ` (${parts.join(", ")})`;
}

/** Asks on the terminal (the prompt on stderr, so stdout stays the command's output). */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
