import { spawn } from "node:child_process";

const ENTRY = new URL("../../../src/cli/main.ts", import.meta.url).pathname;
const TSX = new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url).href;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Variables of the test run that would change the CLI's behaviour; each test sets its own. */
const CLEARED = ["TASKFLOW_URL", "TASKFLOW_TOKEN", "NO_COLOR", "FORCE_COLOR", "DATABASE_URL"];

/**
 * Runs the CLI in a child process (asynchronously: the API it talks to listens in this process,
 * so blocking the event loop with spawnSync would deadlock). stdin is not a terminal.
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  options: { cwd?: string } = {},
): Promise<CliResult> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !CLEARED.includes(key)));
  const child = spawn(process.execPath, ["--import", TSX, ENTRY, ...args], {
    env: { ...base, ...env },
    stdio: ["pipe", "pipe", "pipe"],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  child.stdin.end();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The stdout of a successful `--json` run, parsed. */
export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  if (result.status !== 0) throw new Error(`exit ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
