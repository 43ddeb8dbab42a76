import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pino, type Logger } from "pino";
import type { TaskFlow } from "../src/index.js";
import { startCpuMeter, type CpuUse } from "./bench-cpu.js";
import { percentile, round } from "./bench-stats.js";
import type { CronBenchContext } from "./cron-context.js";
import type { CronerFloorReport } from "./cron-croner-floor.js";

/**
 * Fire lag: when a handler starts (Date.now() at its first line) minus the occurrence's intended
 * fire time (ctx.job.fireAt), both read on the node. Samples are the occurrences whose fire time
 * falls in the measured window; the window opens after a warm-up (the first ticks enqueue what
 * the schedules missed while they were being created, which is catch-up, not lag).
 */

export const LAG_TASK = "bench.cron.tick";
/** How long after the window closes its last occurrences may still start. */
const GRACE_MS = 2000;

export interface LagScenario {
  schedules: number;
  /** `cron`: "* * * * * *", all fire on the same whole second. `every`: every "1s", phases spread evenly over the second (or all at `phaseMs`). */
  timing: "cron" | "every";
  /** For `every` with one phase: each occurrence fires at a whole second + phaseMs. */
  phaseMs?: number;
  /** worker.concurrency of the node; undefined: TaskFlow's default. */
  concurrency: number | undefined;
  warmupSeconds: number;
  seconds: number;
  /** scheduler.lookahead of the node; undefined: TaskFlow's default. */
  lookahead?: string | undefined;
}

export interface LagStats {
  samples: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LagRun extends LagStats {
  expected: number;
  /** Occurrences of the window that never started (should be 0). */
  missing: number;
  /** Occurrences that started twice (must be 0). */
  duplicates: number;
  /** How far ahead of its fire time each occurrence was enqueued by the fire loop (p50 / min). */
  enqueuedAheadP50Ms: number | null;
  enqueuedAheadMinMs: number | null;
  /** When the claim that took the job was sent, relative to the fire time (the wake-up). */
  claimSentP50Ms: number | null;
  claimSentP99Ms: number | null;
  /** Handler start minus claim sent: the claim round trip and the node's work until the handler. */
  claimToHandlerP50Ms: number | null;
  claimToHandlerP99Ms: number | null;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  clockSkewMs: number;
  /** What the node logged at warn or above during the run (first few), e.g. failed claims. */
  warnings: { count: number; first: string[] };
  cpu: CpuUse;
  /** Set by the floor run: croner in its own process over the same window. */
  croner?: CronerFloorReport;
}

export function lagStats(lags: number[]): LagStats {
  const mean = lags.length === 0 ? Number.NaN : lags.reduce((a, b) => a + b, 0) / lags.length;
  return {
    samples: lags.length,
    p50Ms: percentile(lags, 50),
    p90Ms: percentile(lags, 90),
    p99Ms: percentile(lags, 99),
    maxMs: lags.length === 0 ? Number.NaN : lags.reduce((a, b) => Math.max(a, b)),
    meanMs: round(mean, 2),
  };
}

/** A logger that keeps what the node says at warn and above, instead of printing it. */
export function collectWarnings(): { logger: Logger; first: string[]; count: () => number } {
  const first: string[] = [];
  let count = 0;
  const logger = pino(
    { level: "warn" },
    {
      write: (line: string) => {
        count++;
        if (first.length < 5) first.push(line.trim().slice(0, 500));
      },
    },
  );
  return { logger, first, count: () => count };
}

/**
 * Empties the bench schema between runs (TaskFlow has migrated it). CASCADE also empties the
 * tables that reference these (job_dependencies and any added later), which TRUNCATE otherwise
 * refuses.
 */
export async function resetSchema(ctx: CronBenchContext): Promise<void> {
  await ctx.db.query(
    "TRUNCATE jobs, job_logs, job_steps, once_results, rate_limit_grants, idempotency_keys, schedules, schedule_history, calendars CASCADE",
  );
}

/** Creates the scenario's schedules through the public API (tf.schedule), 50 at a time. */
async function createSchedules(ctx: CronBenchContext, scenario: LagScenario): Promise<void> {
  const base = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  const spec = (i: number) => {
    if (scenario.timing === "cron") return { task: LAG_TASK, cron: "* * * * * *" };
    const phase = scenario.phaseMs ?? Math.floor((i * 1000) / scenario.schedules);
    return { task: LAG_TASK, every: "1s", startAt: new Date(base + phase) };
  };
  for (let from = 0; from < scenario.schedules; from += 50) {
    const ids = Array.from({ length: Math.min(50, scenario.schedules - from) }, (_, k) => from + k);
    await Promise.all(ids.map((i) => ctx.producer.schedule(`lag-${i}`, spec(i))));
  }
}

/** Records the start of each occurrence whose fire time falls in the window. */
class LagRecorder {
  readonly lags: number[] = [];
  readonly handlerStartById = new Map<string, number>();
  readonly #seen = new Set<string>();
  duplicates = 0;
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;

  get distinct(): number {
    return this.#seen.size;
  }

  /** Called first thing in the handler. */
  record(job: { id: string; scheduleId: string | null; fireAt: Date | null }): void {
    const startedAt = Date.now();
    const fireAt = job.fireAt?.getTime();
    if (fireAt === undefined || fireAt < this.windowStart || fireAt >= this.windowEnd) return;
    const key = `${String(job.scheduleId)}@${fireAt}`;
    if (this.#seen.has(key)) this.duplicates++;
    this.#seen.add(key);
    this.lags.push(startedAt - fireAt);
    this.handlerStartById.set(job.id, startedAt);
  }
}

async function startNode(
  ctx: CronBenchContext,
  scenario: LagScenario,
  recorder: LagRecorder,
  logger: Logger,
) {
  const tf: TaskFlow = await ctx.module.TaskFlow.create({
    database: ctx.url,
    schema: ctx.db.schema,
    logger,
    worker: scenario.concurrency === undefined ? {} : { concurrency: scenario.concurrency },
    scheduler: scenario.lookahead === undefined ? {} : { lookahead: scenario.lookahead },
  });
  tf.task(LAG_TASK, { run: (taskCtx) => recorder.record(taskCtx.job) });
  try {
    await tf.start();
  } catch (error) {
    await tf.stop();
    throw error;
  }
  return tf;
}

/** Sleeps through the window, measuring the event loop's delays and the CPU used meanwhile. */
async function measureWindow(ctx: CronBenchContext, recorder: LagRecorder) {
  await sleep(recorder.windowStart - Date.now());
  const delay = monitorEventLoopDelay();
  delay.enable();
  const stopCpu = startCpuMeter(ctx.backends);
  await sleep(recorder.windowEnd - Date.now());
  const cpu = await stopCpu();
  delay.disable();
  return {
    eventLoopDelayP99Ms: round(delay.percentile(99) / 1e6, 1),
    eventLoopDelayMaxMs: round(delay.max / 1e6, 1),
    cpu,
  };
}

/**
 * One run: fresh schedules, a fresh node, a warm-up, then `seconds` of occurrences measured.
 * `beside` runs alongside over the same window (croner, for the floor).
 */
export async function runScheduleLag(
  ctx: CronBenchContext,
  scenario: LagScenario,
  beside?: (windowStart: number, windowEnd: number) => Promise<CronerFloorReport>,
): Promise<LagRun> {
  await resetSchema(ctx);
  await createSchedules(ctx, scenario);
  const recorder = new LagRecorder();
  const warnings = collectWarnings();
  const tf = await startNode(ctx, scenario, recorder, warnings.logger);
  let croner: Promise<CronerFloorReport> | undefined;
  try {
    recorder.windowStart = Math.ceil((Date.now() + scenario.warmupSeconds * 1000) / 1000) * 1000;
    recorder.windowEnd = recorder.windowStart + scenario.seconds * 1000;
    croner = beside?.(recorder.windowStart, recorder.windowEnd);
    const measured = await measureWindow(ctx, recorder);
    await sleep(GRACE_MS);
    const clockSkewMs = tf.clockSkewMs;
    await tf.stop();
    const steps = await occurrenceSteps(ctx, recorder);
    const expected = scenario.schedules * scenario.seconds;
    return {
      ...lagStats(recorder.lags),
      expected,
      missing: expected - recorder.distinct,
      duplicates: recorder.duplicates,
      ...steps,
      ...measured,
      clockSkewMs,
      warnings: { count: warnings.count(), first: warnings.first },
      ...(croner === undefined ? {} : { croner: await croner }),
    };
  } finally {
    await tf.stop();
    await croner?.catch(() => undefined);
  }
}

/** Where each occurrence's time went, from what the database recorded about it. */
async function occurrenceSteps(ctx: CronBenchContext, recorder: LagRecorder) {
  const rows = await ctx.db.query<{ id: string; fire: number; created: number; started: number | null }>(
    `SELECT id::text, extract(epoch FROM fire_at) * 1000 AS fire, extract(epoch FROM created_at) * 1000 AS created,
            extract(epoch FROM started_at) * 1000 AS started
     FROM jobs WHERE schedule_id IS NOT NULL AND fire_at >= $1 AND fire_at < $2 AND state <> 'skipped'`,
    [new Date(recorder.windowStart), new Date(recorder.windowEnd)],
  );
  const ahead = rows.map((r) => Number(r.fire) - Number(r.created));
  const claimSent = rows.filter((r) => r.started !== null).map((r) => Number(r.started) - Number(r.fire));
  const toHandler: number[] = [];
  for (const r of rows) {
    const handler = recorder.handlerStartById.get(r.id);
    if (handler !== undefined && r.started !== null) toHandler.push(handler - Number(r.started));
  }
  const p = (xs: number[], q: number) => (xs.length === 0 ? null : round(percentile(xs, q), 1));
  return {
    enqueuedAheadP50Ms: p(ahead, 50),
    enqueuedAheadMinMs:
      ahead.length === 0
        ? null
        : round(
            ahead.reduce((a, b) => Math.min(a, b)),
            1,
          ),
    claimSentP50Ms: p(claimSent, 50),
    claimSentP99Ms: p(claimSent, 99),
    claimToHandlerP50Ms: p(toHandler, 50),
    claimToHandlerP99Ms: p(toHandler, 99),
  };
}

const CRONER_FLOOR = fileURLToPath(new URL("./cron-croner-floor.ts", import.meta.url));

/**
 * Runs croner's own "* * * * * *" in a child process (its own event loop, as a plain croner user
 * would have) over the given window, and collects how late each of its callbacks started.
 */
export function runCronerFloor(windowStart: number, windowEnd: number): Promise<CronerFloorReport> {
  return new Promise((resolve, reject) => {
    const child = fork(CRONER_FLOOR, [String(windowStart), String(windowEnd)], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let report: CronerFloorReport | null = null;
    child.on("message", (message) => (report = message as CronerFloorReport));
    child.on("error", reject);
    child.on("exit", (code) =>
      report === null
        ? reject(new Error(`croner floor process exited with ${String(code)}`))
        : resolve(report),
    );
  });
}
