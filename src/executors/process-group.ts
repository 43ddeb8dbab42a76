import { readFile, readdir } from "node:fs/promises";
import type { Clock, Timer } from "../time/clock.js";

/** How often a stopping group is checked for remaining members. */
const POLL_MS = 50;
/** How long members may linger after SIGKILL (zombies not yet reaped) before we stop waiting. */
const AFTER_KILL_MS = 1000;

export interface GroupStopResult {
  /** True if the group still had members when it was told to stop. */
  hadMembers: boolean;
  /** True if something was still in the group after SIGKILL (zombies whose parent escaped). */
  lingering: boolean;
}

/**
 * A child started with `detached: true` leads its own process group, so every process it starts
 * (unless one calls `setsid` and leaves) can be signalled at once with `kill(-pgid)`.
 *
 * Stopping sends SIGTERM to the group, checks every 50 ms whether anything is left, and sends
 * SIGKILL after the grace period. Polling matters for correctness too: once the group is seen
 * empty it is never signalled again, so a process id reused by the system is never hit.
 */
export class ProcessGroup {
  readonly #pgid: number;
  readonly #clock: Clock;
  readonly #graceMs: number;
  #stopping: Promise<GroupStopResult> | null = null;

  constructor(pgid: number, clock: Clock, graceMs: number) {
    this.#pgid = pgid;
    this.#clock = clock;
    this.#graceMs = graceMs;
    liveGroups.add(pgid);
    installExitHandler();
  }

  /** Stops every process of the group; idempotent. Resolves once the group is empty. */
  stop(): Promise<GroupStopResult> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  #stop(): Promise<GroupStopResult> {
    const hadMembers = signalGroup(this.#pgid, "SIGTERM");
    if (!hadMembers) {
      liveGroups.delete(this.#pgid);
      return Promise.resolve({ hadMembers, lingering: false });
    }
    return new Promise((resolve) => {
      const start = this.#clock.now();
      let killed = false;
      let timer: Timer | null = null;
      const check = async () => {
        const elapsed = this.#clock.now() - start;
        if (!(await groupIsAlive(this.#pgid))) return finish(false);
        if (!killed && elapsed >= this.#graceMs) {
          killed = true;
          if (!signalGroup(this.#pgid, "SIGKILL")) return finish(false);
        }
        if (killed && elapsed >= this.#graceMs + AFTER_KILL_MS) return finish(true);
        timer = this.#clock.setTimer(this.#clock.now() + POLL_MS, () => void check(), { keepAlive: true });
      };
      const finish = (lingering: boolean) => {
        timer?.cancel();
        liveGroups.delete(this.#pgid);
        resolve({ hadMembers, lingering });
      };
      void check();
    });
  }
}

/**
 * Sends a signal (0 only tests) to a process group. False when the group no longer exists, or
 * when its members may not be signalled by us (EPERM): either way there is nothing we can do.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH" || code === "EPERM") return false;
    throw error;
  }
}

/**
 * True while the group has a member that is not a zombie. A killed process whose parent has
 * already exited stays a zombie until init reaps it (that can take a second); `kill(-pgid, 0)`
 * still counts it, so on Linux /proc tells the living from the dead.
 */
async function groupIsAlive(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return true;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses, so parse after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[2] === String(pgid) && fields[0] !== "Z") return true;
  }
  return false;
}

/**
 * Process groups of shell jobs still running. If this Node process exits (even on an uncaught
 * exception), they are killed rather than left behind; a SIGKILL of Node itself cannot be caught,
 * and then the job's lease expires and another node retries it.
 */
const liveGroups = new Set<number>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.once("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}
