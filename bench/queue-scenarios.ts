// bench/queue-scenarios.ts — the queue scenarios, written once against the SystemAdapter port
// (bench/peers/adapter.ts), so TaskFlow (npm run bench:queue) and every peer (npm run bench)
// are measured by the same code.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startCpuMeter, type CpuUse } from "./bench-cpu.js";
import { percentile, round } from "./bench-stats.js";
import type { BenchPayload, SystemAdapter } from "./peers/adapter.js";

/** Jobs per call when a backlog is enqueued before an end-to-end run (not timed). */
const BACKLOG_BATCH = 1000;

/** CPU (this process + the server work for it) per 1,000 jobs, in ms. */
function cpuPerThousand(cpu: CpuUse, jobs: number): number | null {
  return cpu.serverCpuMs === null || jobs === 0
    ? null
    : round(((cpu.nodeCpuMs + cpu.serverCpuMs) / jobs) * 1000);
}

const payloads = (from: number, n: number): BenchPayload[] =>
  Array.from({ length: n }, (_, k) => ({ i: from + k }));

async function enqueueInBatches(
  adapter: SystemAdapter,
  total: number,
  batchSize: number,
  onBatch?: (ms: number) => void,
): Promise<void> {
  for (let done = 0; done < total; done += batchSize) {
    const batch = payloads(done, Math.min(batchSize, total - done));
    const started = performance.now();
    await adapter.enqueueBatch(batch);
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

/** Bulk enqueue: `jobs` jobs through the batch API, `batchSize` per call, one call at a time. */
export async function benchEnqueue(
  adapter: SystemAdapter,
  jobs: number,
  batchSize: number,
): Promise<EnqueueRun> {
  await adapter.reset();
  const batchMs: number[] = [];
  const cpu = startCpuMeter(adapter.serverCpu());
  const started = performance.now();
  await enqueueInBatches(adapter, jobs, batchSize, (ms) => batchMs.push(ms));
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
}

export interface ConcurrentEnqueueRun {
  jobs: number;
  producers: number;
  seconds: number;
  jobsPerSecond: number;
  /** Latency of one enqueue call, as each producer saw it. */
  callMsP50: number;
  callMsP99: number;
  cpu: CpuUse;
  cpuMsPerThousandJobs: number | null;
}

/** One-by-one enqueue: `producers` loops in this process, each awaiting one enqueue call at a time. */
export async function benchConcurrentEnqueue(
  adapter: SystemAdapter,
  jobs: number,
  producers: number,
): Promise<ConcurrentEnqueueRun> {
  await adapter.reset();
  const callMs: number[] = [];
  let next = 0;
  const producer = async () => {
    for (let i = next++; i < jobs; i = next++) {
      const started = performance.now();
      await adapter.enqueueOne({ i });
      callMs.push(performance.now() - started);
    }
  };
  const cpu = startCpuMeter(adapter.serverCpu());
  const started = performance.now();
  await Promise.all(Array.from({ length: producers }, producer));
  const seconds = (performance.now() - started) / 1000;
  const cpuUse = await cpu();
  return {
    jobs,
    producers,
    seconds: round(seconds, 3),
    jobsPerSecond: round(jobs / seconds),
    callMsP50: round(percentile(callMs, 50), 2),
    callMsP99: round(percentile(callMs, 99), 2),
    cpu: cpuUse,
    cpuMsPerThousandJobs: cpuPerThousand(cpuUse, jobs),
  };
}

export interface EndToEndOptions {
  jobs: number;
  concurrency: number;
  /** Stop a run that has not drained this long after its workers were started (slow systems). */
  capMs: number;
  /** After the reset, before the backlog: e.g. seed finished history (bench:queue). */
  prepare?: () => Promise<void>;
  /** Called as the timed window opens (before the workers start) and as it closes (bench:drain). */
  timedWindow?: { open(): Promise<void>; close(): Promise<void> };
}

export interface EndToEndRun {
  jobs: number;
  concurrency: number;
  /** Whether the whole backlog was done before the cap. */
  drained: boolean;
  /** Jobs recorded complete at the end of the run (all of them when drained). */
  completed: number;
  /** From the first handler's start until every job is recorded complete (or the cap). */
  seconds: number;
  jobsPerSecond: number;
  /** From starting the workers (connect, first poll) until the first handler started. */
  startupMs: number;
  /** From starting the workers until the end: what bench:queue reported before it measured peers. */
  fromStartSeconds: number;
  handlerCalls: number;
  duplicateCalls: number;
  backlogEnqueueSeconds: number;
  cpu: CpuUse;
  cpuMsPerThousandJobs: number | null;
}

/**
 * End to end: a backlog of `jobs` no-op jobs is enqueued first (not timed), then workers start;
 * the clock runs from the first handler's start until the system records the last job complete.
 */
export async function benchEndToEnd(adapter: SystemAdapter, options: EndToEndOptions): Promise<EndToEndRun> {
  const { jobs, concurrency, capMs } = options;
  await adapter.reset();
  await options.prepare?.();
  const enqueueStart = performance.now();
  await enqueueInBatches(adapter, jobs, BACKLOG_BATCH);
  const backlogEnqueueSeconds = (performance.now() - enqueueStart) / 1000;
  await adapter.settleBacklog();

  const seen = new Set<number>();
  let calls = 0;
  let firstStart: number | null = null;
  let allStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (allStarted = resolve));
  await options.timedWindow?.open();
  const cpu = startCpuMeter(adapter.serverCpu());
  const t0 = performance.now();
  const workers = await adapter.startWorkers(concurrency, (payload) => {
    firstStart ??= performance.now();
    calls++;
    seen.add(payload.i);
    if (seen.size === jobs) allStarted();
  });
  try {
    const cap = new AbortController();
    const capped = await Promise.race([
      started.then(() => false),
      sleep(capMs, true, { signal: cap.signal }).catch(() => false),
    ]);
    cap.abort();
    let completed = jobs;
    if (capped) completed = jobs - (await adapter.countUnfinished());
    else await waitForFinished(adapter, capMs);
    const end = performance.now();
    const cpuUse = await cpu();
    await options.timedWindow?.close();
    const first = firstStart ?? end;
    const seconds = (end - first) / 1000;
    return {
      jobs,
      concurrency,
      drained: !capped,
      completed,
      seconds: round(seconds, 3),
      jobsPerSecond: seconds > 0 ? round(completed / seconds, completed / seconds < 100 ? 1 : 0) : 0,
      startupMs: round(first - t0, 1),
      fromStartSeconds: round((end - t0) / 1000, 3),
      handlerCalls: calls,
      duplicateCalls: calls - seen.size,
      backlogEnqueueSeconds: round(backlogEnqueueSeconds, 3),
      cpu: cpuUse,
      cpuMsPerThousandJobs: cpuPerThousand(cpuUse, completed),
    };
  } finally {
    await workers.stop();
  }
}

/** Polls (only once every handler has started, so it does not compete with the run). */
async function waitForFinished(adapter: SystemAdapter, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + Math.max(30_000, timeoutMs);
  while ((await adapter.countUnfinished()) > 0) {
    if (performance.now() > deadline) throw new Error("jobs did not all finish within 30 s of starting");
    await sleep(2);
  }
}
