import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, freemem, loadavg, platform, release, totalmem } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as TaskFlowIndex from "../src/index.js";
import { startCpuMeter } from "./bench-cpu.js";
import { ensureTaskFlowBuild, type TaskFlowBuild } from "./compile-taskflow.js";

export type TaskFlowModule = typeof TaskFlowIndex;

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The servers the benches use unless TASKFLOW_BENCH_DATABASE_URL / TASKFLOW_BENCH_REDIS say otherwise. */
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
export const DEFAULT_REDIS = { host: "127.0.0.1", port: 6379 };

/** The version field of a package.json. */
export function packageVersion(path: string): string {
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

/** The `src` folder of the engine under test: this package's, or TASKFLOW_BENCH_SRC. */
export function taskFlowSrcDir(): string {
  return resolve(process.env.TASKFLOW_BENCH_SRC ?? resolve(PACKAGE_ROOT, "src"));
}

/**
 * The engine under test: this package's `src/` by default, or another copy of it (an
 * experiment) when TASKFLOW_BENCH_SRC names its `src` folder; compiled by tsc once per bench run
 * and imported as JavaScript, as users run it (bench/compile-taskflow.ts).
 */
export async function loadTaskFlow(): Promise<{
  module: TaskFlowModule;
  srcDir: string;
  build: TaskFlowBuild;
  version: string;
}> {
  const build = ensureTaskFlowBuild(taskFlowSrcDir());
  const module = (await import(pathToFileURL(resolve(build.outDir, "index.js")).href)) as TaskFlowModule;
  return {
    module,
    srcDir: build.srcDir,
    build,
    version: packageVersion(resolve(PACKAGE_ROOT, "package.json")),
  };
}

export interface Versions {
  node: string;
  postgres: string;
  taskflow: string;
  pg: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  engineSrc: string;
  /** The compiled JavaScript that ran (null when no TaskFlow ran). */
  engineBuild: string | null;
  /** "tsc 5.9.3": TaskFlow ran as compiled by tsc, not through tsx. */
  engineCompiledWith: string | null;
}

export function collectVersions(postgres: string, srcDir: string, build: TaskFlowBuild | null): Versions {
  const readVersion = packageVersion;
  const git = (args: string[]) => {
    try {
      return execFileSync("git", args, {
        cwd: srcDir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
    } catch {
      return null;
    }
  };
  const commit = git(["rev-parse", "HEAD"]);
  const status = git(["status", "--porcelain", "--", "."]);
  return {
    node: process.version,
    postgres,
    taskflow: readVersion(resolve(PACKAGE_ROOT, "package.json")),
    pg: readVersion(resolve(PACKAGE_ROOT, "node_modules/pg/package.json")),
    gitCommit: commit?.trim() ?? null,
    gitDirty: status === null ? null : status.trim() !== "",
    engineSrc: srcDir,
    engineBuild: build?.outDir ?? null,
    engineCompiledWith: build?.compiler ?? null,
  };
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  loadAverage1m: number;
  os: string;
}

export function collectMachine(): Machine {
  const cpu = cpus();
  return {
    cpuModel: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    os: `${platform()} ${release()}`,
  };
}

/**
 * On a shared machine another process's burst skews a run: wait (up to `maxWaitMs`) until the
 * machine has been under `busyPct` busy for one second. Returns how long it waited and whether
 * it got quiet. Without /proc/stat (not Linux) it returns at once.
 */
export async function waitForQuietMachine(
  maxWaitMs: number,
  busyPct: number,
): Promise<{ waitedMs: number; quiet: boolean | null }> {
  const started = Date.now();
  if (maxWaitMs <= 0) return { waitedMs: 0, quiet: null };
  for (;;) {
    const stop = startCpuMeter(null);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = (await stop()).machineBusyPct;
    if (busy === null) return { waitedMs: 0, quiet: null };
    const waitedMs = Date.now() - started;
    if (busy <= busyPct) return { waitedMs, quiet: true };
    if (waitedMs >= maxWaitMs) return { waitedMs, quiet: false };
  }
}
