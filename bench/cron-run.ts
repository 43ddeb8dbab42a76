import { waitForQuietMachine } from "./bench-env.js";
import type { CronBenchContext } from "./cron-context.js";
import { TARGETS, type CronFigure as Figure } from "./cron-figures.js";
import { lagStats, runCronerFloor, runScheduleLag } from "./cron-lag.js";
import { runIdleNode, seedIdleSchedules } from "./cron-memory.js";
import { describe, type Profile } from "./cron-profiles.js";

/** A run counts as quiet when the machine was under this share busy for a second before it. */
export const QUIET_BUSY_PCT = 20;

type Run = Record<string, unknown>;

function newFigure(id: string, kind: Figure["kind"], title: string, setting: string): Figure {
  return {
    id,
    kind,
    title,
    setting,
    unit: "ms",
    headline: "p99Ms",
    target: `<= ${TARGETS.lagP99Ms}`,
    runs: [],
    failures: [],
  };
}

/**
 * Waits (a bounded time) for a quiet machine, then runs `once`. A failed run (the shared
 * machine's database restarting, say) is recorded in the figure, and the bench goes on.
 */
async function quietly<T>(
  ctx: CronBenchContext,
  profile: Profile,
  figure: Figure,
  r: number,
  once: () => Promise<T>,
) {
  const quiet = await waitForQuietMachine(profile.quietWaitSeconds * 1000, QUIET_BUSY_PCT);
  if (quiet.quiet === false)
    console.error(`  (machine still busy after ${quiet.waitedMs} ms; running anyway)`);
  try {
    const serverStartedAt = await ctx.db.serverStartedAt();
    const value = await once();
    // Another process restarting the server mid-run (a shared machine) voids the run's figures.
    if ((await ctx.db.serverStartedAt()) !== serverStartedAt)
      throw new Error("the PostgreSQL server restarted during the run; its figures are void");
    return { value, quiet };
  } catch (error) {
    figure.failures.push(`run ${r + 1}: ${(error as Error).message}`);
    console.error(`  ${figure.title} [${figure.setting}] run ${r + 1} FAILED: ${(error as Error).message}`);
    return null;
  }
}

function report(f: Figure, r: number, run: Run): void {
  const missing = Number(run.missing ?? 0);
  const warnings = (run.warnings as { count: number } | undefined)?.count ?? 0;
  console.error(
    `  ${f.title} [${f.setting}] run ${r + 1}: p99 ${String(run.p99Ms)} ms, p50 ${String(run.p50Ms)} ms,` +
      ` n ${String(run.samples)}${missing > 0 ? `, missing ${missing}` : ""}` +
      `${warnings > 0 ? `, ${warnings} warnings logged` : ""}`,
  );
}

async function runLagFigures(ctx: CronBenchContext, profile: Profile, figures: Figure[]): Promise<void> {
  for (const lag of profile.lag) {
    const figure = newFigure(lag.id, "lag", lag.title, describe(lag.scenario));
    figures.push(figure);
    for (let r = 0; r < profile.repeat; r++) {
      const scenario = { ...lag.scenario, warmupSeconds: profile.warmupSeconds };
      const run = await quietly(ctx, profile, figure, r, () => runScheduleLag(ctx, scenario));
      if (run === null) continue;
      figure.runs.push({ ...run.value, quietBefore: run.quiet });
      report(figure, r, figure.runs.at(-1) as Run);
    }
  }
}

/** One schedule on TaskFlow, and croner in its own process over the same window. */
async function runFloorFigures(ctx: CronBenchContext, profile: Profile, figures: Figure[]): Promise<void> {
  const one = newFigure("lag-1-every", "lag", "fire lag p99 (floor)", describe(profile.floor));
  const croner = newFigure(
    "croner-floor",
    "floor",
    "croner in-process p99",
    `new Cron("* * * * * *") in its own process, same ${profile.floor.seconds} s`,
  );
  croner.target = "(reference)";
  figures.push(one, croner);
  for (let r = 0; r < profile.repeat; r++) {
    const scenario = { ...profile.floor, warmupSeconds: profile.warmupSeconds };
    const run = await quietly(ctx, profile, one, r, () => runScheduleLag(ctx, scenario, runCronerFloor));
    if (run === null) continue;
    const { croner: cronerRun, ...taskflowRun } = run.value;
    one.runs.push({ ...taskflowRun, quietBefore: run.quiet });
    report(one, r, one.runs.at(-1) as Run);
    if (cronerRun !== undefined) {
      croner.runs.push({ ...lagStats(cronerRun.lagsMs), quietBefore: run.quiet });
      report(croner, r, croner.runs.at(-1) as Run);
    }
  }
}

async function runMemoryFigures(ctx: CronBenchContext, profile: Profile, figures: Figure[]): Promise<void> {
  for (const count of profile.memory.counts) {
    const figure: Figure = {
      ...newFigure(
        `memory-${count}`,
        "memory",
        "idle node heap after GC",
        `${count.toLocaleString("en")} schedules stored, ${profile.memory.idleSeconds} s idle`,
      ),
      unit: "MiB",
      headline: "heapUsedMiB",
      target: "flat",
    };
    figures.push(figure);
    let seeded: number;
    try {
      seeded = await seedIdleSchedules(ctx, count);
    } catch (error) {
      figure.failures.push(`seeding: ${(error as Error).message}`);
      console.error(`  ${figure.title} [${figure.setting}] seeding FAILED: ${(error as Error).message}`);
      continue;
    }
    // The repeats run side by side, each its own node in its own process: memory is per process.
    const runs = await quietly(ctx, profile, figure, 0, () =>
      Promise.all(Array.from({ length: profile.repeat }, () => runIdleNode(ctx, profile.memory.idleSeconds))),
    );
    for (const run of runs?.value ?? []) {
      figure.runs.push({
        schedules: seeded,
        ...run,
        heapUsedMiB: run.afterIdle.heapUsedMiB,
        rssMiB: run.afterIdle.rssMiB,
        quietBefore: runs?.quiet,
      });
    }
    const list = (key: string) => figure.runs.map((r) => String(r[key])).join(" / ");
    console.error(
      `  ${figure.title} [${figure.setting}]: heap ${list("heapUsedMiB")} MiB, RSS ${list("rssMiB")} MiB`,
    );
  }
}

/** Runs the figures `only` names (lag, floor, memory), in that order. */
export async function runFigures(
  ctx: CronBenchContext,
  profile: Profile,
  only: Set<string>,
): Promise<Figure[]> {
  const figures: Figure[] = [];
  if (only.has("lag")) await runLagFigures(ctx, profile, figures);
  if (only.has("floor")) await runFloorFigures(ctx, profile, figures);
  if (only.has("memory")) await runMemoryFigures(ctx, profile, figures);
  return figures;
}
