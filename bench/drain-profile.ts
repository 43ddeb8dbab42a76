// bench/drain-profile.ts — where a worker draining a backlog spends its time: per statement and
// per process. A diagnostic for work on end-to-end throughput, not a comparison with the peers.
//
//   npm run bench:drain                         20,000 no-op jobs, concurrency 10, 3 drains
//   options: --jobs N, --concurrency N, --drains N, --prefetch N (default: TaskFlow's "auto"),
//            --cpu-prof FILE (the last drain's worker profile, for Chrome DevTools or speedscope)
//   env: TASKFLOW_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
//        TASKFLOW_BENCH_SRC (another copy of src/ to measure)
//
// Each drain is the end-to-end run of `npm run bench` (bench/queue-scenarios.ts) with the TaskFlow
// adapter. For each it prints jobs/s, the CPU of this process and of its PostgreSQL backends per
// 1,000 jobs, and each engine statement's calls, rows and time from call to result as the driver
// saw it (server time, waiting for a core, and parsing the rows). The first drain warms up.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type pg from "pg";
import { parseOrExit, wholeNumber } from "./bench-args.js";
import { benchSchemaName } from "./bench-db.js";
import {
  collectMachine,
  collectVersions,
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS,
  loadTaskFlow,
} from "./bench-env.js";
import { fileStamp, writeResults } from "./bench-figures.js";
import { renderTable, round } from "./bench-stats.js";
import { TaskFlowAdapter } from "./peers/taskflow.js";
import { benchEndToEnd, type EndToEndRun } from "./queue-scenarios.js";

/** A drain that has not finished after this long is reported as not drained. */
const CAP_MS = 120_000;
/** Statements shown per drain, the costliest first. */
const SHOWN_STATEMENTS = 6;

interface StatementUse {
  calls: number;
  rows: number;
  ms: number;
}

interface Drain {
  run: EndToEndRun;
  statements: Record<string, StatementUse>;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "20000" },
      concurrency: { type: "string", default: "10" },
      drains: { type: "string", default: "3" },
      prefetch: { type: "string" },
      "cpu-prof": { type: "string" },
    },
  });
  return {
    jobs: wholeNumber("jobs", values.jobs, 1),
    concurrency: wholeNumber("concurrency", values.concurrency, 1),
    drains: wholeNumber("drains", values.drains, 1),
    prefetch: values.prefetch === undefined ? null : wholeNumber("prefetch", values.prefetch, 0),
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
      if (
        !isActive() ||
        config === undefined ||
        (typeof config === "object" && "submit" in config) ||
        isBenchConnection(this)
      )
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

/** The bench's own connection (BenchDatabase): its checks and CPU probes are not the engine's. */
function isBenchConnection(client: pg.Client): boolean {
  const params = (client as unknown as { connectionParameters?: { application_name?: string } })
    .connectionParameters;
  return params?.application_name === "taskflow-bench";
}

function keyOf(text: string): string {
  return /^--\s*(\S+\.sql)/.exec(text)?.[1] ?? text.replace(/\s+/g, " ").trim().slice(0, 40);
}

async function main(): Promise<void> {
  const options = parseOrExit("bench:drain", parseOptions);
  const url = process.env.TASKFLOW_BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const { module, build, srcDir, version } = await loadTaskFlow();
  const startedAt = new Date();
  const timer = new StatementTimer(createRequire(resolve(build.outDir, "index.js"))("pg") as typeof pg);
  const adapter = new TaskFlowAdapter(
    module,
    version,
    { databaseUrl: url, redis: DEFAULT_REDIS, namespace: benchSchemaName("drain") },
    options.prefetch === null ? {} : { prefetch: options.prefetch },
  );
  const drains: Drain[] = [];
  try {
    await adapter.setup();
    console.log(
      `drain profile: ${options.jobs} no-op jobs, concurrency ${options.concurrency}, prefetch ${options.prefetch ?? "auto"}, ${options.drains} drains, schema ${adapter.db.schema}`,
    );
    // Which engine was measured (its checkout's commit), for before/after comparisons.
    const versions = collectVersions(`PostgreSQL ${await adapter.db.serverVersion()}`, srcDir, build);
    for (let n = 1; n <= options.drains; n++) {
      const profile = n === options.drains ? options.cpuProfile : null;
      const drain = await drainOnce(adapter, options, timer, profile);
      drains.push(drain);
      report(n, drain);
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
    if (options.cpuProfile !== null)
      console.log(`worker CPU profile of the last drain: ${options.cpuProfile}`);
  } finally {
    await adapter.teardown();
  }
}

/**
 * One end-to-end run as `npm run bench` times it (bench/queue-scenarios.ts), with the engine's
 * statements timed, and the worker profiled into `cpuProfile`, while the run is timed.
 */
async function drainOnce(
  adapter: TaskFlowAdapter,
  options: Options,
  timer: StatementTimer,
  cpuProfile: string | null,
): Promise<Drain> {
  const session = cpuProfile === null ? null : new Session();
  const run = await benchEndToEnd(adapter, {
    jobs: options.jobs,
    concurrency: options.concurrency,
    capMs: CAP_MS,
    timedWindow: {
      open: async () => {
        timer.take();
        timer.active = true;
        if (session === null) return;
        session.connect();
        await session.post("Profiler.enable");
        await session.post("Profiler.start");
      },
      close: async () => {
        timer.active = false;
        if (session === null || cpuProfile === null) return;
        const { profile } = await session.post("Profiler.stop");
        writeFileSync(cpuProfile, JSON.stringify(profile));
        session.disconnect();
      },
    },
  });
  return { run, statements: timer.take() };
}

type Options = ReturnType<typeof parseOptions>;

function report(n: number, drain: Drain): void {
  const { run } = drain;
  const perThousand = (ms: number | null) =>
    ms === null ? "?" : String(round((ms * 1000) / run.completed, 1));
  console.log(
    `\ndrain ${n}${n === 1 ? " (warm-up)" : ""}: ${run.jobsPerSecond} jobs/s${run.drained ? "" : " (NOT DRAINED)"}; ` +
      `CPU per 1,000 jobs: this process ${perThousand(run.cpu.nodeCpuMs)} ms, PostgreSQL ${perThousand(run.cpu.serverCpuMs)} ms; ` +
      `machine busy ${run.cpu.machineBusyPct ?? "?"}%`,
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
