// bench/queue.ts — throughput and latency of the TaskFlow job queue on a real PostgreSQL.
//
//   npm run bench:queue                  default profile (~6-8 min on 2 cores)
//   npm run bench:queue -- --quick       quick profile (~1-2 min)
//   options: --repeat N, --only enqueue,e2e,pickup, --label NAME, --pool-size N, --prefetch N,
//            --quiet-wait S (wait up to S s for a quiet machine before each run; 0: never;
//            default 10 with --quick, else 30)
//   env: TASKFLOW_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
//        TASKFLOW_BENCH_SRC (another copy of src/ to measure, for experiments)
//
// A benchmark, not a test: it prints a table and writes bench/results/queue-<timestamp>.json.
// Every run uses a fresh schema, dropped at the end.
import { parseArgs } from "node:util";
import { listOf, parseOrExit, wholeNumber } from "./bench-args.js";
import { benchSchemaName, SERVER_SETTINGS } from "./bench-db.js";
import {
  collectMachine,
  collectVersions,
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS,
  loadTaskFlow,
  waitForQuietMachine,
} from "./bench-env.js";
import type { CpuUse } from "./bench-cpu.js";
import {
  fileStamp,
  listRuns,
  printFigures,
  redact,
  withMedians,
  writeResults,
  type Figure,
} from "./bench-figures.js";
import { benchPickup } from "./queue-pickup.js";
import { benchEndToEnd, benchEnqueue } from "./queue-scenarios.js";
import { TaskFlowAdapter, type TaskFlowOverrides } from "./peers/taskflow.js";

interface Profile {
  repeat: number;
  enqueue: { jobs: number; batchSize: number }[];
  endToEnd: { jobs: number; concurrency: number; history: number }[];
  pickup: { samples: number; warmup: number; gapMs: [number, number]; history: number }[];
}

const GAP: [number, number] = [5, 50];
const PROFILES: Record<"quick" | "default", Profile> = {
  quick: {
    repeat: 2,
    enqueue: [{ jobs: 20_000, batchSize: 1000 }],
    endToEnd: [
      { jobs: 10_000, concurrency: 10, history: 0 },
      { jobs: 10_000, concurrency: 50, history: 0 },
      { jobs: 10_000, concurrency: 10, history: 100_000 },
    ],
    pickup: [{ samples: 200, warmup: 10, gapMs: GAP, history: 0 }],
  },
  default: {
    repeat: 3,
    enqueue: [
      { jobs: 20_000, batchSize: 1000 },
      { jobs: 100_000, batchSize: 1000 },
    ],
    endToEnd: [
      { jobs: 20_000, concurrency: 10, history: 0 },
      { jobs: 20_000, concurrency: 50, history: 0 },
      { jobs: 20_000, concurrency: 10, history: 100_000 },
      { jobs: 20_000, concurrency: 50, history: 100_000 },
      { jobs: 100_000, concurrency: 10, history: 0 },
    ],
    pickup: [
      { samples: 200, warmup: 10, gapMs: GAP, history: 0 },
      { samples: 200, warmup: 10, gapMs: GAP, history: 100_000 },
    ],
  },
};

/** Before each run, wait up to this long for the machine to be under QUIET_BUSY_PCT busy. */
const QUIET_WAIT_S = { quick: 10, default: 30 } as const;
const QUIET_BUSY_PCT = 20;

/** Design targets on the reference 2-core machine (DESIGN.md / the bench brief). */
const TARGETS = { endToEndJobsPerSecond: 10_000, pickupP99Ms: 5 };
/** TaskFlow's default worker concurrency, which the pickup figure uses. */
const DEFAULT_CONCURRENCY = 10;
/** No cap in practice: TaskFlow drains a 100k backlog well within it. */
const RUN_CAP_MS = 300_000;

type QueueFigure = Figure<"enqueue" | "e2e" | "pickup">;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      repeat: { type: "string" },
      only: { type: "string" },
      label: { type: "string" },
      "pool-size": { type: "string" },
      prefetch: { type: "string" },
      "quiet-wait": { type: "string" },
    },
  });
  const profileName = values.quick ? "quick" : "default";
  const profile = { ...PROFILES[profileName] };
  if (values.repeat !== undefined) profile.repeat = wholeNumber("repeat", values.repeat, 1);
  const only = listOf("only", values.only ?? "enqueue,e2e,pickup", ["enqueue", "e2e", "pickup"]);
  const overrides: TaskFlowOverrides = {};
  if (values["pool-size"] !== undefined)
    overrides.poolSize = wholeNumber("pool-size", values["pool-size"], 1);
  if (values.prefetch !== undefined) overrides.prefetch = wholeNumber("prefetch", values.prefetch, 0);
  const quietWaitS = values["quiet-wait"] ?? String(QUIET_WAIT_S[profileName]);
  const quietWaitMs = wholeNumber("quiet-wait", quietWaitS, 0) * 1000;
  return { profileName, profile, only, label: values.label ?? null, overrides, quietWaitMs };
}

async function runFigures(
  adapter: TaskFlowAdapter,
  profile: Profile,
  only: Set<string>,
  quietWaitMs: number,
): Promise<QueueFigure[]> {
  const figures: QueueFigure[] = [];
  const history = (count: number) => (count > 0 ? () => adapter.seedFinishedHistory(count) : undefined);
  const repeat = async (figure: QueueFigure, once: () => Promise<object>) => {
    figures.push(figure);
    for (let r = 0; r < profile.repeat; r++) {
      let run: Record<string, unknown>;
      const quiet = await waitForQuietMachine(quietWaitMs, QUIET_BUSY_PCT);
      if (quiet.quiet === false)
        console.error(
          `  (machine still busy after ${quiet.waitedMs} ms; running anyway, see machineBusyPct)`,
        );
      try {
        run = { ...(await once()), quietBefore: quiet };
      } catch (error) {
        // A shared machine's database may restart under us: keep the other figures.
        figure.failures.push(`run ${r + 1}: ${(error as Error).message}`);
        console.error(
          `  ${figure.title} [${figure.setting}] run ${r + 1} FAILED: ${(error as Error).message}`,
        );
        continue;
      }
      figure.runs.push(run);
      const cpu = run.cpu as CpuUse;
      console.error(
        `  ${figure.title} [${figure.setting}] run ${r + 1}: ${String(run[figure.headline])} ${figure.unit}` +
          ` (machine busy ${String(cpu.machineBusyPct)}%; CPU node ${cpu.nodeCpuMs} ms + postgres ${String(cpu.serverCpuMs)} ms)`,
      );
    }
  };
  if (only.has("enqueue"))
    for (const c of profile.enqueue)
      await repeat(
        {
          id: `enqueue-${c.jobs}`,
          kind: "enqueue",
          title: "bulk enqueue",
          setting: `${c.jobs / 1000}k jobs, enqueueMany ${c.batchSize}/call`,
          unit: "jobs/s",
          headline: "jobsPerSecond",
          target: "-",
          runs: [],
          failures: [],
        },
        () => benchEnqueue(adapter, c.jobs, c.batchSize),
      );
  if (only.has("e2e"))
    for (const c of profile.endToEnd)
      await repeat(
        {
          id: `e2e-${c.jobs}-c${c.concurrency}-h${c.history}`,
          kind: "e2e",
          title: "end-to-end no-op",
          setting: `${c.jobs / 1000}k backlog, concurrency ${c.concurrency}${c.history > 0 ? `, ${c.history / 1000}k finished rows` : ""}`,
          unit: "jobs/s",
          headline: "jobsPerSecond",
          target: c.concurrency === 10 ? `>= ${TARGETS.endToEndJobsPerSecond}` : "-",
          runs: [],
          failures: [],
        },
        async () => {
          const prepare = history(c.history);
          const run = await benchEndToEnd(adapter, {
            jobs: c.jobs,
            concurrency: c.concurrency,
            capMs: RUN_CAP_MS,
            ...(prepare === undefined ? {} : { prepare }),
          });
          return { ...run, finishedHistoryRows: c.history };
        },
      );
  if (only.has("pickup"))
    for (const [index, c] of profile.pickup.entries()) {
      let seed = 1000 * (index + 1);
      await repeat(
        {
          id: `pickup-h${c.history}`,
          kind: "pickup",
          title: "pickup latency p99",
          setting: `${c.samples} samples, gaps ${c.gapMs[0]}-${c.gapMs[1]} ms${c.history > 0 ? `, ${c.history / 1000}k finished rows` : ""}`,
          unit: "ms",
          headline: "p99Ms",
          target: `<= ${TARGETS.pickupP99Ms}`,
          runs: [],
          failures: [],
        },
        async () => {
          const prepare = history(c.history);
          const run = await benchPickup(adapter, {
            samples: c.samples,
            warmup: c.warmup,
            gapMs: c.gapMs,
            seed: seed++,
            concurrency: DEFAULT_CONCURRENCY,
            capMs: RUN_CAP_MS,
            ...(prepare === undefined ? {} : { prepare }),
          });
          return { ...run, finishedHistoryRows: c.history };
        },
      );
    }
  return figures;
}

function detail(f: QueueFigure): string {
  const list = (pick: (r: Record<string, unknown>) => unknown) => listRuns(f, pick);
  const busy = `busy ${list((r) => (r.cpu as CpuUse).machineBusyPct)}%`;
  if (f.kind === "pickup") return `p50 ${list((r) => r.p50Ms)} ms; ${busy}`;
  if (f.kind === "enqueue")
    return `first/last tenth ${list((r) => `${String(r.firstTenthJobsPerSecond)}-${String(r.lastTenthJobsPerSecond)}`)}; cpu/1k ${list((r) => r.cpuMsPerThousandJobs)} ms; ${busy}`;
  return `cpu/1k jobs ${list((r) => r.cpuMsPerThousandJobs)} ms; from start() ${list((r) => r.fromStartSeconds)} s; ${busy}`;
}

async function main(): Promise<void> {
  const { profileName, profile, only, label, overrides, quietWaitMs } = parseOrExit(
    "bench:queue",
    parseOptions,
  );
  const url = process.env.TASKFLOW_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL;
  const { module, srcDir, build, version } = await loadTaskFlow();
  const adapter = new TaskFlowAdapter(
    module,
    version,
    { databaseUrl: url, redis: DEFAULT_REDIS, namespace: benchSchemaName("queue") },
    overrides,
  );
  const interrupted = () => {
    console.error("interrupted; dropping the bench schema");
    void adapter.teardown().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  try {
    // The first TaskFlow.create() migrates the fresh schema.
    await adapter.setup();
    const db = adapter.db;
    const startedAt = new Date();
    const versions = collectVersions(await db.serverVersion(), srcDir, build);
    const machine = collectMachine();
    const serverSettings = await db.settings(SERVER_SETTINGS);
    const serverStartedAt = await db.serverStartedAt();
    console.error(`taskflow bench (${profileName}, repeat ${profile.repeat}) on schema ${db.schema}`);
    console.error(
      `node ${versions.node}, PostgreSQL ${versions.postgres}, taskflow ${versions.taskflow}, ${machine.cores} cores, ${machine.memoryGiB} GiB`,
    );
    const figures = await runFigures(adapter, profile, only, quietWaitMs);
    const finishedAt = new Date();
    console.log();
    printFigures(figures, detail);
    const report = {
      bench: "queue",
      profile: profileName,
      label,
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      versions,
      machine,
      serverSettings,
      // Another process restarting the server during the bench voids the runs it hit.
      serverRestarted: (await db.serverStartedAt()) !== serverStartedAt,
      lostConnections: db.lostConnections,
      settings: {
        repeat: profile.repeat,
        overrides,
        quietWait: { maxSeconds: quietWaitMs / 1000, busyPct: QUIET_BUSY_PCT },
        logger: "silent",
        endToEnd:
          "from the first handler's start until every job is recorded succeeded (fromStartSeconds: from worker start)",
        producer: "a separate TaskFlow instance (scheduler off) enqueues; each run starts a worker instance",
        url: redact(url),
      },
      targets: TARGETS,
      figures: withMedians(figures),
    };
    const file = writeResults(`queue-${fileStamp(startedAt)}${label ? `-${label}` : ""}`, report);
    console.log(`\nresults: ${file}`);
  } finally {
    process.removeListener("SIGINT", interrupted);
    await adapter.teardown();
  }
}

await main();
