// bench/drain-profile.ts — where a worker draining a backlog spends its time: per statement and
// per process. A diagnostic for work on end-to-end throughput, not a comparison with the peers.
//
//   npm run bench:drain                         20,000 no-op jobs, concurrency 10, 3 drains
//   options: --jobs N, --concurrency N, --drains N,
//            --cpu-prof FILE (the last drain's worker profile, for Chrome DevTools or speedscope)
//   env: TASKFLOW_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
//        TASKFLOW_BENCH_SRC (another copy of src/ to measure)
//
// For each drain it prints jobs/s, the CPU of this process and of its PostgreSQL backends per
// 1,000 jobs, and each statement's calls, rows and time from call to result as the driver saw it
// (server time, waiting for a core, and parsing the rows). The first drain warms up.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type pg from "pg";
import type { TaskFlow } from "../src/index.js";
import { parseOrExit, wholeNumber } from "./bench-args.js";
import { localBackends, startCpuMeter, type CpuUse } from "./bench-cpu.js";
import { benchSchemaName, BenchDatabase } from "./bench-db.js";
import { collectMachine, collectVersions, DEFAULT_DATABASE_URL, loadTaskFlow } from "./bench-env.js";
import { fileStamp, writeResults } from "./bench-figures.js";
import { renderTable, round } from "./bench-stats.js";

const TASK = "bench.noop";
const ENQUEUE_BATCH = 1000;
/** Statements shown per drain, the costliest first. */
const SHOWN_STATEMENTS = 6;

interface StatementUse {
  calls: number;
  rows: number;
  ms: number;
}

interface Drain {
  jobsPerSecond: number;
  seconds: number;
  cpu: CpuUse;
  statements: Record<string, StatementUse>;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "20000" },
      concurrency: { type: "string", default: "10" },
      drains: { type: "string", default: "3" },
      "cpu-prof": { type: "string" },
    },
  });
  return {
    jobs: wholeNumber("jobs", values.jobs, 1),
    concurrency: wholeNumber("concurrency", values.concurrency, 1),
    drains: wholeNumber("drains", values.drains, 1),
    cpuProfile: values["cpu-prof"] === undefined ? null : resolve(values["cpu-prof"]),
  };
}

/**
 * Times every statement the engine sends while `active`, keyed by its SQL file's name (each
 * file starts with `-- <name>.sql`). It patches the `pg` the compiled engine imports, which may
 * be another copy than the bench's own.
 */
class StatementTimer {
  active = false;
  readonly uses = new Map<string, StatementUse>();

  constructor(pgModule: typeof pg) {
    type Query = (this: pg.Client, ...args: unknown[]) => unknown;
    type Result = { rowCount?: number | null } | undefined;
    const prototype = pgModule.Client.prototype as unknown as { query: Query };
    const query = prototype.query;
    const isActive = () => this.active;
    const record = (key: string, started: number, result: Result) => {
      const use = this.uses.get(key) ?? { calls: 0, rows: 0, ms: 0 };
      use.calls++;
      use.rows += result?.rowCount ?? 0;
      use.ms += performance.now() - started;
      this.uses.set(key, use);
    };
    prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text?: string; submit?: unknown } | undefined;
      if (!isActive() || config === undefined || (typeof config === "object" && "submit" in config))
        return query.apply(this, args);
      const started = performance.now();
      const key = keyOf(typeof config === "string" ? config : (config.text ?? ""));
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function") {
        args[last] = (error: unknown, result: Result) => {
          record(key, started, result);
          (callback as (e: unknown, r: Result) => void)(error, result);
        };
        return query.apply(this, args);
      }
      const pending = query.apply(this, args) as Promise<Result>;
      pending.then(
        (result) => record(key, started, result),
        () => record(key, started, undefined),
      );
      return pending;
    };
  }

  take(): Record<string, StatementUse> {
    const taken = Object.fromEntries(this.uses);
    this.uses.clear();
    return taken;
  }
}

function keyOf(text: string): string {
  return /^--\s*(\S+\.sql)/.exec(text)?.[1] ?? text.replace(/\s+/g, " ").trim().slice(0, 40);
}

/** What every drain of one run shares. */
interface DrainSetup {
  options: Options;
  url: string;
  db: BenchDatabase;
  producer: TaskFlow;
  create: (extra: Record<string, unknown>) => Promise<TaskFlow>;
  timer: StatementTimer;
}

type Options = ReturnType<typeof parseOptions>;

async function main(): Promise<void> {
  const options = parseOrExit("bench:drain", parseOptions);
  const url = process.env.TASKFLOW_BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const { module, build, srcDir } = await loadTaskFlow();
  const startedAt = new Date();
  const timer = new StatementTimer(createRequire(resolve(build.outDir, "index.js"))("pg") as typeof pg);
  const schema = benchSchemaName("drain");
  const db = await BenchDatabase.open(url, schema);
  const create = (extra: Record<string, unknown>) =>
    module.TaskFlow.create({ database: url, schema, logger: "silent", ...extra });
  const producer = await create({ scheduler: { enabled: false }, unknownTasks: "allow" });
  console.log(
    `drain profile: ${options.jobs} no-op jobs, concurrency ${options.concurrency}, ${options.drains} drains, schema ${schema}`,
  );
  const setup: DrainSetup = { options, url, db, producer, create, timer };
  // Which engine was measured (its checkout's commit), for before/after comparisons.
  const versions = collectVersions(`PostgreSQL ${await db.serverVersion()}`, srcDir, build);
  const drains: Drain[] = [];
  try {
    for (let n = 1; n <= options.drains; n++) {
      const drain = await drainOnce(setup, n === options.drains ? options.cpuProfile : null);
      drains.push(drain);
      report(n, options.jobs, drain);
    }
  } finally {
    await producer.stop();
    await db.dropAndClose();
  }
  const file = writeResults(`drain-${fileStamp(startedAt)}`, {
    bench: "drain-profile",
    options,
    startedAt: startedAt.toISOString(),
    versions,
    machine: collectMachine(),
    drains,
  });
  console.log(`results: ${file}`);
  if (options.cpuProfile !== null) console.log(`worker CPU profile of the last drain: ${options.cpuProfile}`);
}

/** Enqueues the backlog, then times one worker draining it; `cpuProfile`: where to write its profile. */
async function drainOnce(setup: DrainSetup, cpuProfile: string | null): Promise<Drain> {
  const { options, db, producer, timer } = setup;
  await db.query("TRUNCATE jobs CASCADE");
  for (let i = 0; i < options.jobs; i += ENQUEUE_BATCH) {
    const size = Math.min(ENQUEUE_BATCH, options.jobs - i);
    await producer.enqueueMany(
      Array.from({ length: size }, (_, k) => ({ task: TASK, payload: { i: i + k } })),
    );
  }
  await db.query("ANALYZE jobs");
  const worker = await setup.create({ worker: { concurrency: options.concurrency } });
  let ran = 0;
  let allRan: () => void = () => undefined;
  const ranAll = new Promise<void>((resolve) => (allRan = resolve));
  worker.task(TASK, { run: () => void (++ran === options.jobs && allRan()) });
  const session = cpuProfile === null ? null : new Session();
  if (session !== null) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const stopMeter = startCpuMeter(localBackends(setup.url, (text, params) => db.query(text, params)));
  timer.take();
  timer.active = true;
  const started = performance.now();
  try {
    await worker.start();
    await ranAll;
    // Done once every completion is written, not when the last handler returned.
    while (
      Number(
        (await db.query<{ n: string }>("SELECT count(*) AS n FROM jobs WHERE state <> 'succeeded'"))[0]?.n,
      ) > 0
    )
      await new Promise((resolve) => setTimeout(resolve, 2));
  } finally {
    timer.active = false;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = await stopMeter();
  if (session !== null && cpuProfile !== null) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(cpuProfile, JSON.stringify(profile));
    session.disconnect();
  }
  await worker.stop();
  return {
    jobsPerSecond: Math.round(options.jobs / seconds),
    seconds: round(seconds, 3),
    cpu,
    statements: timer.take(),
  };
}

function report(n: number, jobs: number, drain: Drain): void {
  const perThousand = (ms: number | null) => (ms === null ? "?" : String(round((ms * 1000) / jobs, 1)));
  console.log(
    `\ndrain ${n}${n === 1 ? " (warm-up)" : ""}: ${drain.jobsPerSecond} jobs/s; CPU per 1,000 jobs: ` +
      `this process ${perThousand(drain.cpu.nodeCpuMs)} ms, PostgreSQL ${perThousand(drain.cpu.serverCpuMs)} ms; ` +
      `machine busy ${drain.cpu.machineBusyPct ?? "?"}%`,
  );
  const rows = Object.entries(drain.statements)
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, SHOWN_STATEMENTS)
    .map(([key, use]) => [
      key,
      String(use.calls),
      String(use.rows),
      String(round(use.ms / use.calls, 2)),
      use.rows === 0 ? "-" : String(round((use.ms * 1000) / use.rows, 1)),
      String(Math.round(use.ms)),
    ]);
  console.log(renderTable(["statement", "calls", "rows", "ms/call", "µs/row", "total ms"], rows));
}

await main();
