// bench/compare-profiles.ts — what `npm run bench` measures (the figures) and how much of it
// (the quick and default profiles), and the goals the figures are held against.
import type { QueueStep, StepParams } from "./compare-protocol.js";

export interface CompareProfile {
  /** Measured runs of every figure (after one discarded warm-up run per system). */
  repeat: number;
  /**
   * One process per system per run, the systems in turn and in reverse order on even runs, so a
   * change in the machine's load during the bench falls on every system alike. Otherwise one
   * process per system runs all its runs.
   */
  alternateRounds: boolean;
  /** Only the newest release of each peer (not also the one that installs on Node 20). */
  newestOnly: boolean;
  bulk: { jobs: number; batchSize: number };
  single: { jobs: number; producers: number };
  e2e: { jobs: number; concurrencies: number[]; capMs: number };
  pickup: { samples: number; warmup: number; gapMs: [number, number]; concurrency: number; capMs: number };
  /** The warm-up run of each scenario, smaller: it only warms connections, caches and the JIT. */
  warmup: { bulkJobs: number; singleJobs: number; e2eJobs: number; pickupSamples: number; capMs: number };
  cron: {
    /** Occurrences per run for every-second schedules, and runs (each a fresh process). */
    secondFires: number;
    secondRuns: number;
    /** Occurrences (whole minutes) for minute-granularity schedules, in one shared window; 0: skipped. */
    minuteFires: number;
    warmupMs: number;
  };
}

export const PROFILES: Record<"quick" | "default", CompareProfile> = {
  quick: {
    repeat: 2,
    alternateRounds: false,
    newestOnly: true,
    bulk: { jobs: 20_000, batchSize: 1000 },
    single: { jobs: 500, producers: 32 },
    e2e: { jobs: 3000, concurrencies: [10, 50], capMs: 3000 },
    pickup: { samples: 50, warmup: 5, gapMs: [5, 50], concurrency: 10, capMs: 3000 },
    warmup: { bulkJobs: 1000, singleJobs: 100, e2eJobs: 1000, pickupSamples: 5, capMs: 1000 },
    cron: { secondFires: 5, secondRuns: 2, minuteFires: 0, warmupMs: 2000 },
  },
  default: {
    repeat: 2,
    alternateRounds: true,
    newestOnly: false,
    bulk: { jobs: 20_000, batchSize: 1000 },
    single: { jobs: 2000, producers: 32 },
    e2e: { jobs: 20_000, concurrencies: [10, 50], capMs: 5000 },
    pickup: { samples: 200, warmup: 10, gapMs: [5, 50], concurrency: 10, capMs: 8000 },
    warmup: { bulkJobs: 2000, singleJobs: 300, e2eJobs: 2000, pickupSamples: 10, capMs: 2000 },
    cron: { secondFires: 30, secondRuns: 2, minuteFires: 2, warmupMs: 2000 },
  },
};

export type Better = "higher" | "lower";

/** A row of the comparison: one figure, every system. */
export interface FigureSpec {
  id: string;
  title: string;
  setting: string;
  unit: string;
  better: Better;
  /** The run field that is the figure. */
  headline: string;
}

export function queueFigures(p: CompareProfile): FigureSpec[] {
  const n = (x: number) => x.toLocaleString("en");
  return [
    {
      id: "bulk",
      title: "bulk enqueue",
      setting: `${n(p.bulk.jobs)} jobs, batch API ${n(p.bulk.batchSize)} per call`,
      unit: "jobs/s",
      better: "higher",
      headline: "jobsPerSecond",
    },
    {
      id: "single",
      title: "one-by-one enqueue",
      setting: `${n(p.single.jobs)} jobs, ${p.single.producers} concurrent producers`,
      unit: "jobs/s",
      better: "higher",
      headline: "jobsPerSecond",
    },
    ...p.e2e.concurrencies.map((c): FigureSpec => ({
      id: `e2e-c${c}`,
      title: "end-to-end no-op",
      setting: `${n(p.e2e.jobs)} backlog, concurrency ${c}`,
      unit: "jobs/s",
      better: "higher",
      headline: "jobsPerSecond",
    })),
    {
      id: "pickup",
      title: "pickup latency p99",
      setting: `${p.pickup.samples} samples, gaps ${p.pickup.gapMs[0]}-${p.pickup.gapMs[1]} ms, concurrency ${p.pickup.concurrency}`,
      unit: "ms",
      better: "lower",
      headline: "p99Ms",
    },
  ];
}

export function cronFigure(p: CompareProfile): FigureSpec {
  return {
    id: "cron",
    title: "cron lateness p99",
    setting: `every second: ${p.cron.secondRuns} runs × ${p.cron.secondFires} fires; minute cron: ${p.cron.minuteFires === 0 ? "skipped (quick)" : `${p.cron.minuteFires} fires`}`,
    unit: "ms",
    better: "lower",
    headline: "p99Ms",
  };
}

/** The queue steps of one process: a warm-up run of each scenario, then a round of all per run. */
export function queueSteps(p: CompareProfile, only: Set<string>, runs: number[]): QueueStep[] {
  const steps: QueueStep[] = [];
  const add = (figure: string, run: number, params: StepParams) => {
    if (only.has(figure.replace(/-c\d+$/, ""))) steps.push({ figure, run, params });
  };
  const w = p.warmup;
  add("bulk", 0, { scenario: "bulk", jobs: w.bulkJobs, batchSize: p.bulk.batchSize });
  add("single", 0, { scenario: "single", jobs: w.singleJobs, producers: p.single.producers });
  for (const c of p.e2e.concurrencies)
    add(`e2e-c${c}`, 0, { scenario: "e2e", jobs: w.e2eJobs, concurrency: c, capMs: w.capMs });
  add("pickup", 0, {
    scenario: "pickup",
    ...p.pickup,
    samples: w.pickupSamples,
    warmup: 0,
    seed: 1000,
    capMs: w.capMs,
    warmupCapMs: w.capMs,
  });
  for (const run of runs) {
    add("bulk", run, { scenario: "bulk", ...p.bulk });
    add("single", run, { scenario: "single", ...p.single });
    for (const c of p.e2e.concurrencies)
      add(`e2e-c${c}`, run, { scenario: "e2e", jobs: p.e2e.jobs, concurrency: c, capMs: p.e2e.capMs });
    add("pickup", run, pickup(p, run));
  }
  return steps;
}

function pickup(p: CompareProfile, run: number): StepParams {
  // Each run's fresh worker gets a few discarded samples first, within the warm-up cap.
  return { scenario: "pickup", ...p.pickup, seed: 1000 * (run + 1), warmupCapMs: p.warmup.capMs };
}

/** The goals TaskFlow's figures are compared against (the bench brief). */
export const GOALS = [
  {
    figure: "e2e",
    text: "end-to-end >= Graphile Worker at its best tuning",
    peer: "Graphile Worker tuned",
    factor: 1,
  },
  {
    figure: "e2e",
    text: "end-to-end >= 2 × Graphile Worker at defaults",
    peer: "Graphile Worker default",
    factor: 2,
  },
  { figure: "pickup", text: "pickup p99 <= BullMQ", peer: "BullMQ", factor: 1 },
  { figure: "cron", text: "cron lateness p99 <= 10 ms", peer: null, limitMs: 10 },
] as const;
