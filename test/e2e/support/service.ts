import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitUntil } from "./wait.js";

// A real `taskflow start` on the embedded store, as a user runs it, in a temporary folder with
// its own taskflow.yaml and task module. Tests reach it through the browser and, to arrange
// and check state, through the REST API with the admin token printed on the first start.

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CLI = ["--import", "tsx", join(ROOT, "src/cli/main.ts")];

/**
 * The code tasks: `noop`; `flaky`, which completes a durable step `load`, then throws while
 * `<dir>/fail` exists; `echo`, which logs its payload's text, returns it, and throws it as the
 * error when the payload asks to fail.
 */
const TASK_MODULE = `import { existsSync } from "node:fs";

const failFile = new URL("./fail", import.meta.url);

export const noop = { run: () => ({ ok: true }) };

export const flaky = {
  async run(ctx) {
    await ctx.step("load", () => ({ loaded: true }));
    if (existsSync(failFile)) throw new Error("the fail file is present");
    return { recovered: true, attempt: ctx.attempt };
  },
};

export const echo = {
  async run(ctx) {
    const text = String(ctx.payload?.text ?? "");
    await ctx.log.info(text, { text });
    if (ctx.payload?.fail === true) throw new Error(text);
    return { echoed: text };
  },
};
`;

const CONFIG = `dataDir: ./data
server: { host: 127.0.0.1, port: 0 }
executors:
  shell: { enabled: true }
tasks:
  noop: { module: ./tasks.mjs, export: noop }
  flaky:
    module: ./tasks.mjs
    export: flaky
    maxAttempts: 2
    retry: { kind: fixed, delay: 1s }
  echo: { module: ./tasks.mjs, export: echo, maxAttempts: 1 }
  shell-echo:
    description: prints a greeting and its payload
    shell: { command: [sh, -c, 'echo "hello from a shell job"; printf "%s\\n" "$TASKFLOW_PAYLOAD"'] }
`;

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export interface TaskflowService {
  /** The node's origin, e.g. `http://127.0.0.1:41234` (dashboard at `/`, API at `/api/v1`). */
  url: string;
  /** The admin token printed on the first start. */
  adminToken: string;
  /** The temporary folder of taskflow.yaml, tasks.mjs and the embedded database. */
  dir: string;
  /** While this file exists, `flaky` throws. */
  failFile: string;
  /** A call of the REST API with a Bearer token (the admin's unless given). */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer<T>>;
  /** SIGTERM, then SIGKILL if the process has not exited after `graceMs`; removes the folder. */
  stop(graceMs?: number): Promise<void>;
}

export async function startTaskflowService(): Promise<TaskflowService> {
  const dir = mkdtempSync(join(tmpdir(), "taskflow-e2e-"));
  writeFileSync(join(dir, "tasks.mjs"), TASK_MODULE);
  const configPath = join(dir, "taskflow.yaml");
  writeFileSync(configPath, CONFIG);

  const child = spawn(
    process.execPath,
    [...CLI, "start", "--config", configPath, "--port", "0", "--log-level", "warn"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  let exitCode: number | string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (code, signal) => {
      exitCode = code ?? signal;
      resolve();
    }),
  );

  const stop = async (graceMs = 15_000) => {
    if (exitCode === null) {
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(resolve, graceMs, "timeout")));
      if ((await Promise.race([exited, timedOut])) === "timeout") {
        child.kill("SIGKILL");
        await exited;
      }
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntil(
      () => {
        if (exitCode !== null) throw new Error(`taskflow start exited (${exitCode}):\n${stderr}\n${stdout}`);
        return stderr.includes("press Ctrl-C");
      },
      { timeoutMs: 90_000, what: "taskflow start to print its banner" },
    );
    const url = /API: +(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(stderr)?.[1];
    const adminToken = /export TASKFLOW_TOKEN=(tf_\S+)/.exec(stderr)?.[1];
    if (url === undefined || adminToken === undefined) {
      throw new Error(`no API address or admin token in the banner of taskflow start:\n${stderr}`);
    }
    const api = async <T>(method: string, path: string, body?: unknown, token = adminToken) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T };
    };
    return { url, adminToken, dir, failFile: join(dir, "fail"), api, stop };
  } catch (error) {
    await stop(2000);
    throw error;
  }
}
