import { headlineMedian, listRuns, printFigures, type Figure } from "./bench-figures.js";
import { median } from "./bench-stats.js";
import type { LagRun } from "./cron-lag.js";
import type { MemoryNodeReport } from "./cron-memory-node.js";

/** Design targets (DESIGN.md and the bench brief). */
export const TARGETS = {
  lagP99Ms: 10,
  /** "Flat": an idle node with the most schedules holds at most this much more than with none. */
  flatHeapGrowthMiB: 2,
  flatRssGrowthMiB: 10,
};

export type CronFigure = Figure<"lag" | "floor" | "memory">;
export { headlineMedian };

export type MemoryRun = MemoryNodeReport & { schedules: number; heapUsedMiB: number; rssMiB: number };

const list = listRuns;

function detail(f: CronFigure): string {
  if (f.kind === "memory") {
    return `RSS ${list(f, (r) => r.rssMiB)} MiB (peak ${list(f, (r) => r.peakRssMiB)}); idle CPU ${list(f, (r) => r.idleCpuMsPerSecond)} ms/s`;
  }
  const base = `p50 ${list(f, (r) => r.p50Ms)} ms; max ${list(f, (r) => r.maxMs)}; n ${list(f, (r) => r.samples)}`;
  if (f.kind === "floor") return base;
  const run = (r: Record<string, unknown>) => r as unknown as LagRun;
  return (
    `${base}; missing ${list(f, (r) => run(r).missing)}; claim sent +${list(f, (r) => run(r).claimSentP50Ms)}` +
    ` ms (p50), claim→handler ${list(f, (r) => run(r).claimToHandlerP50Ms)} ms (p50);` +
    ` busy ${list(f, (r) => run(r).cpu.machineBusyPct)}%`
  );
}

export function printTable(figures: CronFigure[]): void {
  printFigures(figures, detail);
}

/** Whether idle memory stayed flat from the fewest to the most schedules measured. */
export function memoryVerdict(figures: CronFigure[]): Record<string, unknown> | null {
  const memory = figures.filter((f) => f.kind === "memory" && f.runs.length > 0);
  const fewest = memory[0];
  const most = memory.at(-1);
  if (fewest === undefined || most === undefined || fewest === most) return null;
  const med = (f: CronFigure, key: string) => median(f.runs.map((r) => Number(r[key])));
  const heapGrowthMiB = Math.round((med(most, "heapUsedMiB") - med(fewest, "heapUsedMiB")) * 10) / 10;
  const rssGrowthMiB = Math.round((med(most, "rssMiB") - med(fewest, "rssMiB")) * 10) / 10;
  return {
    fromSchedules: fewest.runs[0]?.schedules,
    toSchedules: most.runs[0]?.schedules,
    heapGrowthMiB,
    rssGrowthMiB,
    flat: heapGrowthMiB <= TARGETS.flatHeapGrowthMiB && rssGrowthMiB <= TARGETS.flatRssGrowthMiB,
  };
}
