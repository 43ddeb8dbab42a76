import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { ClaimedJob } from "../../../src/domain/job.js";
import type { TaskContext, TaskDefinition } from "../../../src/domain/task.js";

export interface RecordedLog {
  level: "info" | "warn" | "error";
  message: string;
  data: Record<string, unknown> | undefined;
}

/**
 * Runs one attempt of a task outside a TaskFlow node: the executor gets a context like the
 * worker's, and the test sees its log lines. The signal is the test's to abort.
 */
export function runTask<Result>(
  task: TaskDefinition<unknown, Result>,
  options: { payload?: unknown; signal?: AbortSignal; jobId?: string; attempt?: number } = {},
): { result: Promise<Result>; logs: RecordedLog[] } {
  const logs: RecordedLog[] = [];
  const record = (level: RecordedLog["level"]) => (message: string, data?: Record<string, unknown>) => {
    logs.push({ level, message, data });
    return Promise.resolve();
  };
  const attempt = options.attempt ?? 1;
  const ctx: TaskContext<unknown> = {
    job: { id: options.jobId ?? "42", attempt } as ClaimedJob,
    payload: options.payload ?? null,
    attempt,
    signal: options.signal ?? new AbortController().signal,
    log: { info: record("info"), warn: record("warn"), error: record("error") },
    progress: () => Promise.resolve(true),
    transaction: () => Promise.reject(new Error("no transactions outside a node")),
    idempotencyKey: `job:${options.jobId ?? "42"}`,
    step: (_name, fn) => Promise.resolve().then(() => fn({ name: _name, key: `job:42:${_name}` })),
    transactionalStep: () => Promise.reject(new Error("no transactions outside a node")),
    dependencies: () => Promise.resolve({}),
  };
  return { result: Promise.resolve().then(() => task.run(ctx)), logs };
}

/** The value a promise rejects with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/** A marker unique to one test, to find its processes: `sleep 1000.<digits>` is a valid sleep. */
export function uniqueSleep(): string {
  return `1000.${parseInt(randomBytes(4).toString("hex"), 16)}`;
}

/** Live (non-zombie) processes whose command line contains `marker`, found by scanning /proc. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (!cmdline.includes(marker)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z") found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Polls (real time) until `check` holds; for real processes and sockets, not engine behaviour. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`never reached: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface TestServer {
  port: number;
  /** Every request the server received, in order. */
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** A real local HTTP server; `handler` answers after the request body has been read. */
export async function startServer(
  handler: (req: SeenRequest, res: ServerResponse) => void,
  host = "127.0.0.1",
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(seen);
      handler(seen, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A port whose listener never accepts: a stopped process listening with a backlog of one, its
 * queue filled, so the kernel drops further connection attempts and they hang.
 */
export async function unacceptingPort(): Promise<{ port: number; close(): void }> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "-e",
      "const s=require('net').createServer();s.listen({port:0,host:'127.0.0.1',backlog:1},()=>console.log(s.address().port))",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const port = await new Promise<number>((resolve) =>
    child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
  );
  child.kill("SIGSTOP");
  const fillers: Socket[] = [];
  for (let i = 0; i < 4; i++) fillers.push(connect(port, "127.0.0.1").on("error", () => undefined));
  await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    port,
    close: () => {
      for (const socket of fillers) socket.destroy();
      child.kill("SIGKILL");
    },
  };
}
