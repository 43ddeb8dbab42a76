import { InvalidArgumentError, type Command } from "commander";
import { ApiClient, DEFAULT_SERVICE_URL, type QueryValue } from "./api-client.js";
import { ExitCode, reportError } from "./exit-codes.js";
import { outputOf, type Output } from "./output.js";

/** The flags of every command that talks to a running service through its REST API. */
export interface ClientFlags {
  url?: string;
  token?: string;
  json?: boolean;
  /** False with `--no-color`. */
  color?: boolean;
}

/** Adds `--url`, `--token`, `--json` and `--no-color`. */
export function withClientFlags(command: Command): Command {
  return command
    .option("--url <url>", `the TaskFlow service (default: $TASKFLOW_URL, else ${DEFAULT_SERVICE_URL})`)
    .option(
      "--token <token>",
      "API token (default: $TASKFLOW_TOKEN, which is better: a token typed here lands in shell history)",
    )
    .option("--json", "print the API's JSON: one document on stdout")
    .option("--no-color", "no colours (NO_COLOR=1 does the same; there are none without a terminal)");
}

export interface ClientContext {
  api: ApiClient;
  out: Output;
  json: boolean;
}

/** The API client and the output style of a command; warns when the token came on the command line. */
export function clientContext(flags: ClientFlags): ClientContext {
  if (flags.token !== undefined) {
    console.error(
      "warning: a token passed with --token lands in your shell history and the process list; " +
        "prefer the TASKFLOW_TOKEN environment variable",
    );
  }
  const url = flags.url ?? nonEmpty(process.env.TASKFLOW_URL) ?? DEFAULT_SERVICE_URL;
  const token = flags.token ?? nonEmpty(process.env.TASKFLOW_TOKEN);
  return {
    api: new ApiClient({ url, token }),
    out: outputOf(flags),
    json: flags.json === true,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** The paging flags of `ls` verbs. */
export interface PageFlags {
  limit?: number;
  all?: boolean;
  cursor?: string;
}

const MAX_PAGE = 500;

export function withPageFlags(command: Command, noun: string): Command {
  return command
    .option("--limit <n>", `${noun} per page (1-${MAX_PAGE}; default 50)`, positiveInteger("--limit"))
    .option("--all", "follow the pages to the end (pages of --limit, default 500)")
    .option("--cursor <cursor>", "start after this cursor (the nextCursor of the previous page)");
}

/** One page, or every page with `--all`; the result is shaped like the API's pages. */
export async function fetchList<T>(
  api: ApiClient,
  path: string,
  query: Record<string, QueryValue>,
  flags: PageFlags,
): Promise<{ items: T[]; nextCursor: string | null }> {
  if (flags.all === true) {
    const start = flags.cursor === undefined ? {} : { cursor: flags.cursor };
    return {
      items: await api.getAll<T>(path, { ...query, ...start }, flags.limit ?? MAX_PAGE),
      nextCursor: null,
    };
  }
  return api.get<{ items: T[]; nextCursor: string | null }>(path, {
    ...query,
    limit: flags.limit,
    cursor: flags.cursor,
  });
}

/** Says on stderr how to see the rest of a list cut at one page. */
export function hintMore(page: { nextCursor: string | null }): void {
  if (page.nextCursor !== null)
    console.error(`(more: --all for every page, or --cursor ${page.nextCursor} for the next one)`);
}

/** A commander parser for a whole number >= 1. */
export function positiveInteger(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${option} must be a whole number of at least 1`);
    return n;
  };
}

/** A commander collector for repeatable options. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Runs a verb: its exit code (0 unless it says otherwise), or the one its error maps to. */
export function verb<Args extends unknown[]>(
  run: (...args: Args) => Promise<number | void>,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    try {
      process.exitCode = (await run(...args)) ?? ExitCode.Ok;
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}
