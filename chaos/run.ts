// run.ts — the chaos harness: runs fault-injection scenarios against the local PostgreSQL with
// real node processes, and judges each with an oracle built from append-only ledgers.
//
//   npm run chaos -- --profile quick|soak [--seed N] [--only a,b] [--list]
//
// Prints one JSON line per scenario on stdout (progress goes to stderr), writes them all to
// chaos/results/<timestamp>-<profile>.jsonl, and exits 1 if any scenario failed. Every random
// choice comes from the printed seed: `--seed` replays the same choices (the timing of the
// processes themselves still varies). The server is TASKFLOW_TEST_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test); each scenario works in a fresh schema, dropped after.
import { appendFileSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { accepts } from "./postgres-server.js";
import { createRandom, freshSeed } from "./random.js";
import { Checks, type ProfileName, type Scenario, type ScenarioContext } from "./scenario.js";
import { clockJump } from "./scenarios/clock-jump.js";
import { databaseRestart } from "./scenarios/database-restart.js";
import { gracefulShutdown } from "./scenarios/graceful-shutdown.js";
import { poisonJob } from "./scenarios/poison-job.js";
import { sigkillNodes } from "./scenarios/sigkill-nodes.js";
import { sigstopNode } from "./scenarios/sigstop-node.js";
import { steadyState } from "./scenarios/steady-state.js";
import { workerKills } from "./scenarios/worker-kills.js";

/** In the order they run. */
const SCENARIOS: readonly Scenario[] = [
  steadyState,
  sigkillNodes,
  sigstopNode,
  workerKills,
  poisonJob,
  databaseRestart,
  gracefulShutdown,
  clockJump,
];
const PROFILES: readonly ProfileName[] = ["quick", "soak"];
const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "results");

const say = (line: string) => process.stderr.write(`${line}\n`);

interface Options {
  profile: ProfileName;
  seed: number;
  scenarios: Scenario[];
  url: string;
}

function usage(problem: string): never {
  say(`chaos: ${problem}`);
  say("usage: npm run chaos -- --profile quick|soak [--seed N] [--only name,name] [--list]");
  process.exit(2);
}

function parseOptions(): Options | null {
  const { values } = parseArgs({
    options: {
      profile: { type: "string" },
      seed: { type: "string" },
      only: { type: "string" },
      list: { type: "boolean" },
    },
  });
  if (values.list === true) {
    for (const scenario of SCENARIOS)
      process.stdout.write(`${scenario.name.padEnd(18)} ${scenario.summary}\n`);
    return null;
  }
  const profile = values.profile as ProfileName | undefined;
  if (profile === undefined || !PROFILES.includes(profile))
    usage("--profile quick or --profile soak is required");
  const seed = values.seed === undefined ? freshSeed() : Number(values.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32)
    usage(`--seed must be a whole number from 0 to 2^32-1`);
  const names = values.only
    ?.split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const unknown = names?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0) usage(`unknown scenario(s) ${unknown.join(", ")}; --list shows them`);
  const scenarios = names === undefined ? [...SCENARIOS] : SCENARIOS.filter((s) => names.includes(s.name));
  const url = process.env.TASKFLOW_TEST_DATABASE_URL || DEFAULT_DATABASE_URL;
  return { profile, seed, scenarios, url };
}

/** Cleanups that must run if the harness is interrupted (the server restarted, children killed…). */
const interruptCleanups = new Set<() => Promise<void>>();
let interrupted = false;
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  say(`chaos: ${signal}; cleaning up (the database server is started again if it was stopped)`);
  void Promise.allSettled([...interruptCleanups].map((cleanup) => cleanup())).then(() => process.exit(130));
}

async function runScenario(
  scenario: Scenario,
  options: Options,
  logRoot: string,
): Promise<Record<string, unknown>> {
  const started = Date.now();
  const context: ScenarioContext = {
    url: options.url,
    profile: options.profile,
    seed: options.seed,
    random: createRandom(options.seed).fork(scenario.name),
    logDir: join(logRoot, scenario.name),
    log: (message) =>
      say(`[${scenario.name} ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}`),
    onInterrupt: (cleanup) => {
      interruptCleanups.add(cleanup);
      return () => interruptCleanups.delete(cleanup);
    },
  };
  context.log(scenario.summary);
  let report: { faults: number; figures: Record<string, unknown>; checks: Checks };
  try {
    report = await scenario.run(context);
  } catch (error) {
    report = { faults: 0, figures: {}, checks: new Checks() };
    report.checks.error(error);
  }
  const line = {
    scenario: scenario.name,
    seed: options.seed,
    profile: options.profile,
    duration_s: Math.round((Date.now() - started) / 100) / 10,
    faults: report.faults,
    ...report.figures,
    failed_checks: report.checks.failed,
    pass: report.checks.passed,
  };
  context.log(line.pass ? "pass" : `FAIL: ${report.checks.failed.join("; ")}`);
  return line;
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options === null) return;
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (!(await accepts(options.url))) {
    say(`chaos: the PostgreSQL server at ${options.url} does not accept connections`);
    process.exit(2);
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  mkdirSync(RESULTS_DIR, { recursive: true });
  const resultsFile = join(RESULTS_DIR, `${stamp}-${options.profile}.jsonl`);
  const logRoot = join(RESULTS_DIR, `${stamp}-${options.profile}-logs`);
  say(
    `chaos: profile ${options.profile}, seed ${options.seed}, ${options.scenarios.length} scenario(s) against ${options.url}\n` +
      `chaos: replay with: npm run chaos -- --profile ${options.profile} --seed ${options.seed}` +
      (options.scenarios.length < SCENARIOS.length
        ? ` --only ${options.scenarios.map((s) => s.name).join(",")}`
        : ""),
  );
  const started = Date.now();
  const failed: string[] = [];
  for (const scenario of options.scenarios) {
    if (interrupted) break;
    const line = await runScenario(scenario, options, logRoot);
    const json = JSON.stringify(line);
    process.stdout.write(`${json}\n`);
    appendFileSync(resultsFile, `${json}\n`);
    if (line.pass !== true) failed.push(scenario.name);
  }
  removeIfEmpty(logRoot);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  say(
    `chaos: ${options.scenarios.length - failed.length}/${options.scenarios.length} passed in ${minutes} min; results in ${resultsFile}`,
  );
  if (failed.length > 0) {
    say(`chaos: FAILED: ${failed.join(", ")} (children's logs in ${logRoot})`);
    process.exitCode = 1;
  }
}

function removeIfEmpty(directory: string): void {
  try {
    if (readdirSync(directory).length === 0) rmdirSync(directory);
  } catch {
    // never created
  }
}

await main();
