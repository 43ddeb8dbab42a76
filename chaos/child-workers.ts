// child-workers.ts — spawns real node processes for the chaos tests and the harness, signals
// them by pid, and remembers every one so cleanup kills whatever is still alive, even after a
// failure. Each child has an IPC channel and a notice pipe (see messages.ts); both feed its
// `messages`, in arrival order.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { chaosChildEnv, type ChaosChildEnv } from "./processes/chaos-env.js";
import type { ChildMessage, ParentMessage } from "./processes/messages.js";
import { waitFor } from "./wait.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../..");
export const CHILD_SCRIPTS = {
  /** A whole node: fire loop, workers, the chaos tasks (chaos-tasks.ts). */
  node: "chaos/processes/chaos-node.ts",
  /** A worker whose `chaos.fenced` attempts are steered over IPC. */
  fencedWorker: "chaos/processes/fenced-worker.ts",
} as const;

export type Signal = "SIGKILL" | "SIGTERM" | "SIGSTOP" | "SIGCONT";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildWorker {
  readonly workerId: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<ChildExit>;
  readonly messages: ChildMessage[];
  /** True once the parent sent it a signal meant to end it (or accepted its exit); any other exit is a crash. */
  endedByTest: boolean;
  exit: ChildExit | null;
  send(message: ParentMessage): void;
  /** Calls `listener` with every message from now on; returns the unsubscribe. */
  onMessage(listener: (message: ChildMessage) => void): () => void;
}

export class ChildWorkers {
  readonly logDir: string;
  readonly #children: ChildWorker[] = [];

  constructor(logDir?: string) {
    this.logDir = logDir ?? mkdtempSync(join(tmpdir(), "taskflow-chaos-"));
  }

  get all(): readonly ChildWorker[] {
    return this.#children;
  }

  get alive(): ChildWorker[] {
    return this.#children.filter((child) => child.exit === null);
  }

  /** Children that exited without the parent ending them (a crash, an unhandled error). */
  get crashed(): ChildWorker[] {
    return this.#children.filter((child) => child.exit !== null && !child.endedByTest);
  }

  /**
   * Throws if a child exited without the parent ending it. Called while waiting on an oracle, so
   * a crashed (or silently exited) worker fails at once, with its exit and the end of its log.
   */
  failIfAnyCrashed(): void {
    const crashed = this.crashed;
    if (crashed.length === 0) return;
    const described = crashed.map(
      (child) =>
        `${child.workerId} (pid ${child.pid}) exited by itself with ${JSON.stringify(child.exit)}; ` +
        `its log ${child.logFile} ends:\n${tail(child.logFile)}`,
    );
    throw new Error(`worker processes exited without being killed:\n${described.join("\n")}`);
  }

  /** `extraEnv` is added to the child's environment (e.g. libfaketime's, to skew its clock). */
  spawn(script: string, env: ChaosChildEnv, extraEnv: Record<string, string> = {}): ChildWorker {
    const logFile = join(this.logDir, `${env.workerId}.log`);
    const fd = openSync(logFile, "a");
    const process_ = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...chaosChildEnv(env), ...extraEnv },
      stdio: ["ignore", fd, fd, "ipc", "pipe"],
    });
    closeSync(fd);
    if (process_.pid === undefined) throw new Error(`could not spawn ${script}`);
    const child = describeChild(process_, env.workerId, logFile);
    this.#children.push(child);
    return child;
  }

  /** Sends `signal` to the child's pid; for SIGKILL and SIGTERM, waits until it has exited. */
  async signal(child: ChildWorker, signal: Signal): Promise<void> {
    if (child.exit !== null) return;
    if (signal === "SIGKILL" || signal === "SIGTERM") child.endedByTest = true;
    try {
      process.kill(child.pid, signal);
    } catch (error) {
      // ESRCH: it exited on its own just now; its exit event says how, and it counts as a crash.
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      child.endedByTest = false;
    }
    if (signal === "SIGKILL" || signal === "SIGTERM") await child.exited;
  }

  /** Waits for the first message `matches` accepts (failing at once if any child crashed). */
  async waitForMessage<T extends ChildMessage>(
    child: ChildWorker,
    matches: (message: ChildMessage) => message is T,
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    await waitFor(
      () => {
        this.failIfAnyCrashed();
        return child.messages.some(matches);
      },
      timeoutMs,
      `${child.workerId}: ${what}`,
    );
    return child.messages.find(matches) as T;
  }

  /** Cleanup: SIGKILL every child still alive (a stopped one too) and wait for each exit. */
  async killAll(): Promise<void> {
    await Promise.all(this.alive.map((child) => this.signal(child, "SIGKILL")));
  }

  /** After a run: kills what is left; keeps the children's logs only if it failed. */
  async cleanUp(
    failed: boolean,
    report: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    await this.killAll();
    if (failed) report(`chaos worker logs kept in ${this.logDir}`);
    else rmSync(this.logDir, { recursive: true, force: true });
  }
}

export const isReady = (child: ChildWorker): boolean => child.messages.some((m) => m.type === "ready");

function describeChild(process_: ChildProcess, workerId: string, logFile: string): ChildWorker {
  const messages: ChildMessage[] = [];
  const listeners = new Set<(message: ChildMessage) => void>();
  const receive = (message: ChildMessage) => {
    messages.push(message);
    for (const listener of listeners) listener(message);
  };
  process_.on("message", receive);
  readNotices(process_.stdio[4] as Readable | null, receive);
  const child: ChildWorker = {
    workerId,
    pid: process_.pid as number,
    logFile,
    messages,
    endedByTest: false,
    exit: null,
    exited: new Promise<ChildExit>((resolve) => {
      process_.once("exit", (code, signal) => {
        child.exit = { code, signal };
        resolve(child.exit);
      });
    }),
    send: (message) => {
      if (process_.connected) process_.send(message);
    },
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return child;
}

/** The notice pipe carries one JSON message per line. */
function readNotices(pipe: Readable | null, receive: (message: ChildMessage) => void): void {
  if (pipe === null) return;
  let pending = "";
  pipe.setEncoding("utf8");
  pipe.on("data", (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() !== "") receive(JSON.parse(line) as ChildMessage);
    }
  });
  pipe.on("error", () => undefined);
}

function tail(file: string, lines = 12): string {
  return readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((line) => `  ${line.slice(0, 300)}`)
    .join("\n");
}
