// bench/queue-pickup.ts — pickup latency: how long one job waits between the enqueue call and
// its handler's start on an idle worker, for any system behind the SystemAdapter port.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { startCpuMeter, type CpuUse } from "./bench-cpu.js";
import { mean, percentile, round, seededRandom } from "./bench-stats.js";
import type { SystemAdapter } from "./peers/adapter.js";

export interface PickupOptions {
  samples: number;
  /** Samples taken first and discarded. */
  warmup: number;
  gapMs: [number, number];
  seed: number;
  concurrency: number;
  /** Stop sampling after this long (systems that poll every few seconds); the run says how many it got. */
  capMs: number;
  /** The same for the discarded warm-up samples. @defaultValue capMs */
  warmupCapMs?: number;
  prepare?: () => Promise<void>;
}

export interface PickupRun {
  samples: number;
  /** Samples wanted; fewer were taken when the cap was reached. */
  samplesWanted: number;
  gapMs: [number, number];
  concurrency: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** The enqueue call's own round trip, for comparison. */
  enqueueRoundTripP50Ms: number;
  enqueueRoundTripP99Ms: number;
  cpu: CpuUse;
}

/**
 * Pickup latency onto an idle worker: one job at a time after a random gap; latency is the
 * handler's start minus the start of the enqueue call (same process, performance.now()).
 */
export async function benchPickup(adapter: SystemAdapter, options: PickupOptions): Promise<PickupRun> {
  const { samples, warmup, gapMs, capMs } = options;
  await adapter.reset();
  await options.prepare?.();
  let waitingFor = -1;
  let onStart: ((at: number) => void) | null = null;
  const workers = await adapter.startWorkers(options.concurrency, (payload) => {
    const at = performance.now();
    if (payload.i !== waitingFor) return;
    onStart?.(at);
    onStart = null;
  });
  const random = seededRandom(options.seed);
  const latencies: number[] = [];
  const roundTrips: number[] = [];
  let cpuUse: CpuUse;
  try {
    await sleep(200);
    let n = 0;
    /** One sample: a gap, then an enqueue, then the wait for its handler. */
    const sample = async () => {
      await sleep(gapMs[0] + random() * (gapMs[1] - gapMs[0]));
      waitingFor = n;
      const handlerStarted = new Promise<number>((resolve) => (onStart = resolve));
      const t0 = performance.now();
      const enqueued = adapter.enqueueOne({ i: n++ }).then(() => performance.now());
      const [startedAt, enqueuedAt] = await Promise.all([
        withTimeout(handlerStarted, Math.max(10_000, capMs), `job ${n - 1} to be picked up`),
        enqueued,
      ]);
      return { latency: startedAt - t0, roundTrip: enqueuedAt - t0 };
    };
    // Warm-up samples (discarded) and measured ones each get their cap.
    const warmupDeadline = performance.now() + (options.warmupCapMs ?? capMs);
    while (n < warmup && performance.now() < warmupDeadline) await sample();
    const cpu = startCpuMeter(adapter.serverCpu());
    for (
      let deadline = performance.now() + capMs;
      latencies.length < samples && performance.now() < deadline;
    ) {
      const { latency, roundTrip } = await sample();
      latencies.push(latency);
      roundTrips.push(roundTrip);
    }
    cpuUse = await cpu();
  } finally {
    await workers.stop();
  }
  return {
    samples: latencies.length,
    samplesWanted: samples,
    gapMs,
    concurrency: options.concurrency,
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

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
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
