// kill-loop.ts — the loop of the SIGKILL crash tests: while the oracle says jobs are unfinished,
// wait a random while, SIGKILL one worker (by pid) and start its replacement in the same slot.
import type { ChildWorker, ChildWorkers } from "./child-workers.js";
import type { Random } from "./random.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface KillLoopOptions {
  workers: ChildWorkers;
  /** The running workers by slot; a killed one is replaced in place. */
  slots: ChildWorker[];
  /** Starts the replacement for a slot. */
  respawn(slot: number): ChildWorker;
  /** True once every job is finished (throw to fail the run, e.g. a worker crashed by itself). */
  finished(): Promise<boolean>;
  random: Random;
  /** Wait between kills, drawn uniformly. */
  intervalMs: readonly [number, number];
  /** Stop killing after this long (the jobs left then finish without faults). */
  deadlineMs: number;
  /** The slot to kill now, or null to skip this round. */
  pickVictim(slots: ChildWorker[]): Promise<number | null> | number | null;
  /** Asked just before a kill: does the victim hold work right now? */
  holdsWork(victim: ChildWorker): Promise<boolean>;
}

export interface KillLoopFigures {
  kills: number;
  /** Kills that found the victim holding work (by `holdsWork`). */
  killsMidRun: number;
}

export async function killWhileUnfinished(options: KillLoopOptions): Promise<KillLoopFigures> {
  const { workers, slots, random } = options;
  const started = Date.now();
  let kills = 0;
  let killsMidRun = 0;
  while (!(await options.finished()) && Date.now() - started < options.deadlineMs) {
    // Look often while waiting, so the run ends as soon as the last job does.
    const killAt = Date.now() + random.between(options.intervalMs[0], options.intervalMs[1]);
    while (Date.now() < killAt && !(await options.finished())) await sleep(50);
    if (await options.finished()) break;
    const slot = await options.pickVictim(slots);
    if (slot === null) continue;
    const victim = slots[slot] as ChildWorker;
    if (await options.holdsWork(victim)) killsMidRun++;
    await workers.signal(victim, "SIGKILL");
    kills++;
    slots[slot] = options.respawn(slot);
  }
  return { kills, killsMidRun };
}
