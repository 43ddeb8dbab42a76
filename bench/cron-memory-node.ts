// bench/cron-memory-node.ts — child process of bench/cron.ts (run with --expose-gc): one
// TaskFlow node, started on the bench schema (fire loop, worker pool, reaper), left idle for a
// while, then its memory is read after a full GC and reported over IPC.
// env: CRON_BENCH_URL, CRON_BENCH_SCHEMA, CRON_BENCH_IDLE_SECONDS, CRON_BENCH_TASK
import { setTimeout as sleep } from "node:timers/promises";
import { loadTaskFlow } from "./bench-env.js";

export interface MemorySnapshot {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  arrayBuffersMiB: number;
}

export interface MemoryNodeReport {
  /** After loading TaskFlow's code, before creating a node (full GC). */
  beforeNode: MemorySnapshot;
  /** After `idleSeconds` of the started node (full GC). */
  afterIdle: MemorySnapshot;
  /** Highest RSS seen while idling (sampled every 250 ms, no GC forced). */
  peakRssMiB: number;
  idleSeconds: number;
  /** CPU time of the node while idle, per second of wall time. */
  idleCpuMsPerSecond: number;
  /** The earliest next_fire_at the node's store reports (the fire loop's next wake-up). */
  earliestNextFireAt: string | null;
}

const SETTLE_MS = 2000;
const MiB = 2 ** 20;

function snapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  const mib = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
  return {
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    heapTotalMiB: mib(m.heapTotal),
    externalMiB: mib(m.external),
    arrayBuffersMiB: mib(m.arrayBuffers),
  };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("run with --expose-gc");
  gc();
  gc();
}

async function main(): Promise<void> {
  const url = process.env.CRON_BENCH_URL;
  const schema = process.env.CRON_BENCH_SCHEMA;
  const idleSeconds = Number(process.env.CRON_BENCH_IDLE_SECONDS ?? 15);
  const task = process.env.CRON_BENCH_TASK ?? "bench.cron.idle";
  if (url === undefined || schema === undefined)
    throw new Error("CRON_BENCH_URL and CRON_BENCH_SCHEMA are required");
  const { module } = await loadTaskFlow();
  fullGc();
  const beforeNode = snapshot();
  const tf = await module.TaskFlow.create({ database: url, schema, logger: "silent" });
  tf.task(task, { run: () => undefined });
  await tf.start();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  await sleep(SETTLE_MS);
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await sleep(Math.max(0, idleSeconds * 1000 - SETTLE_MS));
  const cpu = process.cpuUsage(cpu0);
  const idleCpuMsPerSecond = (cpu.user + cpu.system) / 1000 / ((Date.now() - t0) / 1000);
  clearInterval(sampler);
  const earliest = await tf.store.schedules.nextFireAt();
  fullGc();
  const report: MemoryNodeReport = {
    beforeNode,
    afterIdle: snapshot(),
    peakRssMiB: Math.round((peakRss / MiB) * 10) / 10,
    idleSeconds,
    idleCpuMsPerSecond: Math.round(idleCpuMsPerSecond * 100) / 100,
    earliestNextFireAt: earliest === null ? null : new Date(earliest).toISOString(),
  };
  await new Promise<void>((resolve) => process.send?.(report, () => resolve()));
  await tf.stop();
  process.disconnect();
}

if (process.send !== undefined) await main();
