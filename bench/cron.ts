// bench/cron.ts — fire lag of TaskFlow schedules and memory of an idle node, on a real PostgreSQL.
//
//   npm run bench:cron                  default profile (~7-8 min on 2 cores)
//   npm run bench:cron -- --quick       quick profile (~2-3 min)
//   options: --repeat N, --only lag,floor,memory, --label NAME, --seconds S (lag windows),
//            --concurrency N (worker.concurrency of the first 1,000-schedule figure; default 1000),
//            --lookahead D (scheduler.lookahead of the measured nodes, e.g. 2250ms; default TaskFlow's),
//            --quiet-wait S (wait up to S s for a quiet machine before each run; 0: never)
//   env: TASKFLOW_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
//        TASKFLOW_BENCH_SRC (another copy of src/ to measure, for experiments)
//
// A benchmark, not a test: it prints a table and writes bench/results/cron-<timestamp>.json.
// Every run uses a fresh schema, dropped at the end.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { localBackends } from "./bench-cpu.js";
import { BenchDatabase, benchSchemaName, SERVER_SETTINGS } from "./bench-db.js";
import {
  collectMachine,
  collectVersions,
  DEFAULT_DATABASE_URL,
  loadTaskFlow,
  packageVersion,
} from "./bench-env.js";
import { fileStamp, redact, withMedians, writeResults } from "./bench-figures.js";
import type { CronBenchContext } from "./cron-context.js";
import { memoryVerdict, printTable, TARGETS, type CronFigure } from "./cron-figures.js";
import { LAG_TASK } from "./cron-lag.js";
import { IDLE_TASK } from "./cron-memory.js";
import { readOptions } from "./cron-profiles.js";
import { QUIET_BUSY_PCT, runFigures } from "./cron-run.js";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

function printSummary(figures: CronFigure[]): ReturnType<typeof memoryVerdict> {
  console.log();
  printTable(figures);
  const verdict = memoryVerdict(figures);
  if (verdict !== null) {
    const n = (value: unknown) => Number(value).toLocaleString("en");
    console.log(
      `\nmemory ${verdict.flat ? "flat" : "NOT flat"} from ${n(verdict.fromSchedules)} to ${n(verdict.toSchedules)}` +
        ` schedules: heap ${String(verdict.heapGrowthMiB)} MiB, RSS ${String(verdict.rssGrowthMiB)} MiB`,
    );
  }
  return verdict;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { profileName, profile, only, label } = readOptions(args);
  const url = process.env.TASKFLOW_BENCH_DATABASE_URL || DEFAULT_DATABASE_URL;
  const { module, srcDir, build } = await loadTaskFlow();
  const db = await BenchDatabase.open(url, benchSchemaName("cron"));
  const interrupted = () => {
    console.error("interrupted; dropping the bench schema");
    void db.dropAndClose().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  // Creates the schedules through the public API; it runs no fire loop and no worker.
  const producer = await module.TaskFlow.create({
    database: url,
    schema: db.schema,
    logger: "silent",
    scheduler: { enabled: false },
    unknownTasks: "allow",
  });
  try {
    const startedAt = new Date();
    const versions = {
      ...collectVersions(await db.serverVersion(), srcDir, build),
      croner: packageVersion(resolve(BENCH_DIR, "../node_modules/croner/package.json")),
    };
    const machine = collectMachine();
    const serverSettings = await db.settings(SERVER_SETTINGS);
    const serverStartedAt = await db.serverStartedAt();
    console.error(`taskflow cron bench (${profileName}, repeat ${profile.repeat}) on schema ${db.schema}`);
    console.error(
      `node ${versions.node}, PostgreSQL ${versions.postgres}, croner ${versions.croner}, ` +
        `${machine.cores} cores, ${machine.memoryGiB} GiB`,
    );
    const backends = localBackends(url, (text, params) => db.query(text, params));
    const ctx: CronBenchContext = { module, url, db, producer, backends };
    const figures = await runFigures(ctx, profile, only);
    const finishedAt = new Date();
    const verdict = printSummary(figures);
    const result = {
      bench: "cron",
      profile: profileName,
      label,
      command: `npm run bench:cron${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`,
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
      versions,
      machine,
      serverSettings,
      // Another process restarting the server during the bench voids the runs it hit.
      serverRestarted: await db.serverStartedAt().then(
        (at) => at !== serverStartedAt,
        () => null,
      ),
      lostConnections: db.lostConnections,
      settings: {
        ...profile,
        only: [...only],
        tasks: { lag: LAG_TASK, idle: IDLE_TASK },
        lagDefinition:
          "Date.now() at the handler's first line minus ctx.job.fireAt, for the occurrences whose fire time is in the window",
        scheduler: "TaskFlow's defaults (lookahead 2s, pollInterval 1s) unless a scenario sets lookahead",
        quietBusyPct: QUIET_BUSY_PCT,
        logger: "measured nodes: warn and above collected per run (warnings); others silent",
        url: redact(url),
      },
      targets: TARGETS,
      memoryVerdict: verdict,
      figures: withMedians(figures),
    };
    const file = writeResults(`cron-${fileStamp(startedAt)}${label ? `-${label}` : ""}`, result);
    console.log(`\nresults: ${file}`);
  } finally {
    process.removeListener("SIGINT", interrupted);
    await producer.stop().catch(() => undefined);
    await db.dropAndClose().catch((error: unknown) => {
      console.error(`could not drop schema ${db.schema} (${(error as Error).message}); drop it by hand`);
      process.exitCode = 1;
    });
  }
}

await main();
