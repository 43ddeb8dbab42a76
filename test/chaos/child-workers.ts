// child-workers.ts — spawns real worker processes for the chaos tests, kills them by pid, and
// remembers every one so a test's cleanup kills whatever is still alive, even after a failure.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chaosChildEnv, type ChaosChildEnv } from "./processes/chaos-env.js";
import type { ChildMessage, ProceedMessage } from "./processes/messages.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
export const CHILD_SCRIPTS = {
  ledgerWorker: "test/chaos/processes/ledger-worker.ts",
  fencedWorker: "test/chaos/processes/fenced-worker.ts",
  scheduleNode: "test/chaos/processes/schedule-node.ts",
} as const;

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
  /** True once the test sent it a signal meant to end it; any other exit is a crash. */
  endedByTest: boolean;
  exit: ChildExit | null;
  send(message: ProceedMessage): void;
}

export class ChildWorkers {
  readonly logDir = mkdtempSync(join(tmpdir(), "taskflow-chaos-"));
  readonly #children: ChildWorker[] = [];

  get all(): readonly ChildWorker[] {
    return this.#children;
  }

  get alive(): ChildWorker[] {
    return this.#children.filter((child) => child.exit === null);
  }

  /** Children that exited without the test ending them (a crash, an unhandled error). */
  get crashed(): ChildWorker[] {
    return this.#children.filter((child) => child.exit !== null && !child.endedByTest);
  }

  /**
   * Throws if a child exited without the test ending it. Called while waiting on an oracle, so a
   * crashed (or silently exited) worker fails the test at once, with its exit and the end of its log.
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
      stdio: ["ignore", fd, fd, "ipc"],
    });
    closeSync(fd);
    if (process_.pid === undefined) throw new Error(`could not spawn ${script}`);
    const child = describeChild(process_, env.workerId, logFile);
    this.#children.push(child);
    return child;
  }

  /** Sends `signal` to the child's pid; for SIGKILL and SIGTERM, waits until it has exited. */
  async signal(child: ChildWorker, signal: "SIGKILL" | "SIGTERM" | "SIGSTOP" | "SIGCONT"): Promise<void> {
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

  /** Cleanup: SIGKILL every child still alive (a stopped one too) and wait for each exit. */
  async killAll(): Promise<void> {
    await Promise.all(this.alive.map((child) => this.signal(child, "SIGKILL")));
  }

  /** After a test: kills what is left; keeps the children's logs only if the test failed. */
  async cleanUp(testFailed: boolean): Promise<void> {
    await this.killAll();
    if (testFailed) console.log(`chaos worker logs kept in ${this.logDir}`);
    else rmSync(this.logDir, { recursive: true, force: true });
  }
}

function describeChild(process_: ChildProcess, workerId: string, logFile: string): ChildWorker {
  const messages: ChildMessage[] = [];
  process_.on("message", (message: ChildMessage) => messages.push(message));
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
    send: (message) => void process_.send(message),
  };
  return child;
}

function tail(file: string, lines = 12): string {
  return readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((line) => `  ${line.slice(0, 300)}`)
    .join("\n");
}
