import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { TaskFlow } from "../src/index.js";
import type { BenchDatabase } from "./bench-db.js";
import { startCpuMeter, type CpuMeterOptions, type CpuUse } from "./bench-cpu.js";
import type { TaskFlowModule } from "./bench-env.js";
import { mean, percentile, round, seededRandom } from "./bench-stats.js";

export interface BenchContext {
  module: TaskFlowModule;
  url: string;
  db: BenchDatabase;
  /** Settings changed from TaskFlow's defaults (--pool-size, --prefetch); absent: the default. */
  overrides: { poolSize?: number; prefetch?: number };
  /** How to find the PostgreSQL backends serving TaskFlow (null: database not on this machine). */
  backends: CpuMeterOptions | null;
}

/** TaskFlow's CPU cost (this process + its PostgreSQL backends) per 1,000 jobs, in ms. */
function cpuPerThousand(cpu: CpuUse, jobs: number): number | null {
  return cpu.postgresCpuMs === null ? null : round(((cpu.nodeCpuMs + cpu.postgresCpuMs) / jobs) * 1000);
}

export const TASK = "bench.noop";
/** Seeded finished rows use their own task name, so counting this run's successes ignores them. */
const HISTORY_TASK = "bench.history";
const ENQUEUE_BATCH_FOR_BACKLOG = 1000;

async function createTaskFlow(
  ctx: BenchContext,
  concurrency: number | undefined,
  run: (jobId: string) => void,
): Promise<TaskFlow> {
  const tf = await ctx.module.TaskFlow.create({
    database: ctx.url,
    schema: ctx.db.schema,
    logger: "silent",
    ...(ctx.overrides.poolSize === undefined ? {} : { poolSize: ctx.overrides.poolSize }),
    worker: {
      ...(concurrency === undefined ? {} : { concurrency }),
      ...(ctx.overrides.prefetch === undefined ? {} : { prefetch: ctx.overrides.prefetch }),
    },
  });
  tf.task<{ i: number }>(TASK, { run: (taskCtx) => run(taskCtx.job.id) });
  return tf;
}

/** Creates TaskFlow's tables in the bench schema (the first create migrates). */
export async function prepareSchema(ctx: BenchContext): Promise<void> {
  const tf = await createTaskFlow(ctx, undefined, () => undefined);
  await tf.stop();
}

async function enqueueInBatches(
  tf: TaskFlow,
  total: number,
  batchSize: number,
  onBatch?: (ms: number) => void,
): Promise<void> {
  for (let done = 0; done < total; done += batchSize) {
    const n = Math.min(batchSize, total - done);
    const started = performance.now();
    const items = Array.from({ length: n }, (_, k) => ({ task: TASK, payload: { i: done + k } }));
    await tf.enqueueMany(items);
    onBatch?.(performance.now() - started);
  }
}

export interface EnqueueRun {
  jobs: number;
  batchSize: number;
  seconds: number;
  jobsPerSecond: number;
  /** Rate over the first and last tenth of the batches: does enqueueing slow as the table grows? */
  firstTenthJobsPerSecond: number;
  lastTenthJobsPerSecond: number;
  batchMsP50: number;
  batchMsP99: number;
  cpu: CpuUse;
  cpuMsPerThousandJobs: number | null;
}

/** Bulk enqueue: `jobs` jobs through enqueueMany, `batchSize` per call, one call at a time. */
export async function benchEnqueue(ctx: BenchContext, jobs: number, batchSize: number): Promise<EnqueueRun> {
  await ctx.db.reset();
  const tf = await createTaskFlow(ctx, undefined, () => undefined);
  try {
    const batchMs: number[] = [];
    const cpu = startCpuMeter(ctx.backends);
    const started = performance.now();
    await enqueueInBatches(tf, jobs, batchSize, (ms) => batchMs.push(ms));
    const seconds = (performance.now() - started) / 1000;
    const cpuUse = await cpu();
    const tenth = Math.max(1, Math.floor(batchMs.length / 10));
    const rateOf = (ms: number[]) => (ms.length * batchSize) / (ms.reduce((a, b) => a + b, 0) / 1000);
    return {
      jobs,
      batchSize,
      seconds: round(seconds, 3),
      jobsPerSecond: round(jobs / seconds),
      firstTenthJobsPerSecond: round(rateOf(batchMs.slice(0, tenth))),
      lastTenthJobsPerSecond: round(rateOf(batchMs.slice(-tenth))),
      batchMsP50: round(percentile(batchMs, 50), 2),
      batchMsP99: round(percentile(batchMs, 99), 2),
      cpu: cpuUse,
      cpuMsPerThousandJobs: cpuPerThousand(cpuUse, jobs),
    };
  } finally {
    await tf.stop();
  }
}

export interface EndToEndRun {
  jobs: number;
  concurrency: number;
  finishedHistoryRows: number;
  /** From start() until every job's success is recorded in the database. */
  seconds: number;
  jobsPerSecond: number;
  /** From start() until the last handler began (completions still in flight). */
  handlersSeconds: number;
  handlerCalls: number;
  duplicateCalls: number;
  backlogEnqueueSeconds: number;
  cpu: CpuUse;
  cpuMsPerThousandJobs: number | null;
}

/**
 * End to end: a backlog of `jobs` no-op jobs is enqueued first (not timed), then the worker
 * starts and the clock runs until all of them are recorded as succeeded.
 */
export async function benchEndToEnd(
  ctx: BenchContext,
  jobs: number,
  concurrency: number,
  history: number,
): Promise<EndToEndRun> {
  await ctx.db.reset();
  if (history > 0) await ctx.db.seedFinishedHistory(history, HISTORY_TASK);
  const seen = new Set<string>();
  let calls = 0;
  let allStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (allStarted = resolve));
  const tf = await createTaskFlow(ctx, concurrency, (id) => {
    calls++;
    seen.add(id);
    if (seen.size === jobs) allStarted();
  });
  try {
    const enqueueStart = performance.now();
    await enqueueInBatches(tf, jobs, ENQUEUE_BATCH_FOR_BACKLOG);
    const backlogEnqueueSeconds = (performance.now() - enqueueStart) / 1000;
    await ctx.db.analyze();

    const cpu = startCpuMeter(ctx.backends);
    const t0 = performance.now();
    await tf.start();
    await withTimeout(started, Math.max(60_000, jobs), "all handlers to start");
    const handlersSeconds = (performance.now() - t0) / 1000;
    await waitForSucceeded(ctx.db, jobs);
    const seconds = (performance.now() - t0) / 1000;
    const cpuUse = await cpu();
    return {
      jobs,
      concurrency,
      finishedHistoryRows: history,
      seconds: round(seconds, 3),
      jobsPerSecond: round(jobs / seconds),
      handlersSeconds: round(handlersSeconds, 3),
      handlerCalls: calls,
      duplicateCalls: calls - seen.size,
      backlogEnqueueSeconds: round(backlogEnqueueSeconds, 3),
      cpu: cpuUse,
      cpuMsPerThousandJobs: cpuPerThousand(cpuUse, jobs),
    };
  } finally {
    await tf.stop();
  }
}

/** Polls (only once every handler has started, so it does not compete with the run). */
async function waitForSucceeded(db: BenchDatabase, jobs: number): Promise<void> {
  const deadline = performance.now() + 30_000;
  while ((await db.countJobs("succeeded", TASK)) < jobs) {
    if (performance.now() > deadline) throw new Error("jobs did not all succeed within 30 s of starting");
    await sleep(1);
  }
}

export interface PickupRun {
  samples: number;
  finishedHistoryRows: number;
  gapMs: [number, number];
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** The enqueue call's own round trip (insert + notify), for comparison. */
  enqueueRoundTripP50Ms: number;
  enqueueRoundTripP99Ms: number;
  cpu: CpuUse;
}

/**
 * Pickup latency onto an idle worker: one job at a time after a random gap; latency is the
 * handler's start minus the start of the enqueue call (same process, performance.now()).
 */
export async function benchPickup(
  ctx: BenchContext,
  samples: number,
  warmup: number,
  gapMs: [number, number],
  history: number,
  seed: number,
): Promise<PickupRun> {
  await ctx.db.reset();
  if (history > 0) await ctx.db.seedFinishedHistory(history, HISTORY_TASK);
  let onStart: ((at: number) => void) | null = null;
  const tf = await createTaskFlow(ctx, undefined, () => {
    const at = performance.now();
    onStart?.(at);
    onStart = null;
  });
  const random = seededRandom(seed);
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  let cpuUse: CpuUse;
  try {
    await tf.start();
    await sleep(200);
    const cpu = startCpuMeter(ctx.backends);
    for (let n = 0; n < warmup + samples; n++) {
      await sleep(gapMs[0] + random() * (gapMs[1] - gapMs[0]));
      const handlerStarted = new Promise<number>((resolve) => (onStart = resolve));
      const t0 = performance.now();
      const enqueued = tf.enqueue(TASK, { i: n }).then(() => performance.now());
      const [startedAt, enqueuedAt] = await Promise.all([
        withTimeout(handlerStarted, 10_000, `job ${n} to be picked up`),
        enqueued,
      ]);
      if (n < warmup) continue;
      latencies.push(startedAt - t0);
      roundTrips.push(enqueuedAt - t0);
    }
    cpuUse = await cpu();
  } finally {
    await tf.stop();
  }
  return {
    samples,
    finishedHistoryRows: history,
    gapMs,
    p50Ms: round(percentile(latencies, 50), 2),
    p90Ms: round(percentile(latencies, 90), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(Math.max(...latencies), 2),
    meanMs: round(mean(latencies), 2),
    enqueueRoundTripP50Ms: round(percentile(roundTrips, 50), 2),
    enqueueRoundTripP99Ms: round(percentile(roundTrips, 99), 2),
    cpu: cpuUse,
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  const controller = new AbortController();
  const timeout = sleep(ms, undefined, { signal: controller.signal }).then(() => {
    throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  });
  timeout.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    controller.abort();
  }
}
