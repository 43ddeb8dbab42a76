// bench/compile-taskflow.ts — the engine as users run it: compiled by this package's tsc, as
// `npm run build` publishes it, like the peers' published JavaScript. Importing src/ through tsx
// instead costs ~15-18 % on the worker path (its esbuild transform wraps every closure in
// `__name(...)`), a handicap no user has.
//
// One build per bench run: the process that compiles sets TASKFLOW_BENCH_BUILD, and the child
// processes it starts (they inherit the environment) import that build instead of compiling again.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * Builds live in the package root's node_modules, not in bench/: from there the compiled engine
 * resolves `pg`, `pino`... from the package root's node_modules, as src/ and dist/ do (from bench/
 * it would find the peers' copies in bench/node_modules first); git, ESLint and Prettier skip it.
 */
const BUILDS_DIR = resolve(PACKAGE_ROOT, "node_modules/.cache/taskflow-bench");
const TSC = resolve(PACKAGE_ROOT, "node_modules/typescript/bin/tsc");
/** Set for the child processes: the folder of the build this bench run uses. */
const BUILD_ENV = "TASKFLOW_BENCH_BUILD";
/** Written last: a folder without it holds no complete build. */
const STAMP = "build.json";
/** Older builds are deleted when a new one is made; no bench run lasts a day. */
const KEEP_MS = 24 * 3600_000;

export interface TaskFlowBuild {
  /** The `src` folder compiled. */
  srcDir: string;
  /** The compiled JavaScript (the `dist/` of this build); its entry is `index.js`. */
  outDir: string;
  /** "tsc 5.9.3". */
  compiler: string;
}

/**
 * The build of `srcDir` this bench run uses: the one the parent process made (TASKFLOW_BENCH_BUILD),
 * else a fresh one, compiled now.
 */
export function ensureTaskFlowBuild(srcDir: string): TaskFlowBuild {
  const inherited = process.env[BUILD_ENV];
  if (inherited !== undefined && inherited !== "") return readBuild(inherited, srcDir);
  const build = compileTaskFlow(srcDir);
  process.env[BUILD_ENV] = dirname(build.outDir);
  return build;
}

function readBuild(dir: string, srcDir: string): TaskFlowBuild {
  const stamp = resolve(dir, STAMP);
  if (!existsSync(stamp))
    throw new Error(
      `${BUILD_ENV}=${dir} holds no complete TaskFlow build (the bench sets it for its child processes)`,
    );
  const build = JSON.parse(readFileSync(stamp, "utf8")) as TaskFlowBuild;
  if (build.srcDir !== srcDir)
    throw new Error(`${BUILD_ENV}=${dir} was compiled from ${build.srcDir}, not from ${srcDir}`);
  return build;
}

/**
 * Compiles `srcDir` with the package's tsconfig.json (as tsconfig.build.json does, without
 * declarations or source maps) into a fresh folder, and copies its `.sql` files beside the
 * JavaScript, where the engine loads them (src/store/postgres/sql-files.ts). Throws with tsc's
 * output if tsc fails: nothing half-written is left to measure.
 */
export function compileTaskFlow(srcDir: string): TaskFlowBuild {
  const compiler = `tsc ${(JSON.parse(readFileSync(resolve(TSC, "../../package.json"), "utf8")) as { version: string }).version}`;
  const dir = resolve(BUILDS_DIR, buildName(srcDir));
  const outDir = resolve(dir, "dist");
  deleteOldBuilds();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeBuildFiles(dir, srcDir, outDir);
  process.stderr.write(`compiling TaskFlow (${compiler}) from ${srcDir} into ${outDir}… `);
  const started = Date.now();
  const tsc = spawnSync(process.execPath, [TSC, "-p", resolve(dir, "tsconfig.json")], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  if (tsc.status !== 0) {
    process.stderr.write("failed\n");
    rmSync(dir, { recursive: true, force: true });
    const output = `${tsc.stdout ?? ""}${tsc.stderr ?? ""}`.trim() || tsc.error?.message || "no output";
    throw new Error(`tsc failed (exit ${String(tsc.status ?? tsc.signal)}) compiling ${srcDir}:\n${output}`);
  }
  copySqlFiles(srcDir, outDir);
  const build: TaskFlowBuild = { srcDir, outDir, compiler };
  writeFileSync(resolve(dir, STAMP), `${JSON.stringify(build, null, 2)}\n`);
  process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return build;
}

/** "main-1f3a9c0b-mf3k2a1x-4821": the checkout's folder, a hash of srcDir, then this run. */
function buildName(srcDir: string): string {
  const hash = createHash("sha256").update(srcDir).digest("hex").slice(0, 8);
  const checkout = basename(dirname(srcDir)).replace(/[^A-Za-z0-9._-]/g, "_");
  // A folder per run: a bench running at the same time keeps its build while this one compiles.
  return `${checkout}-${hash}-${Date.now().toString(36)}-${process.pid}`;
}

function writeBuildFiles(dir: string, srcDir: string, outDir: string): void {
  const tsconfig = {
    extends: resolve(PACKAGE_ROOT, "tsconfig.json"),
    compilerOptions: {
      rootDir: srcDir,
      outDir,
      noEmit: false,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
    },
    include: [srcDir],
    // Paths in a tsconfig are relative to its own folder: this one is not beside src/.
    exclude: [join(srcDir, "**/*.test.ts")],
  };
  writeFileSync(resolve(dir, "tsconfig.json"), `${JSON.stringify(tsconfig, null, 2)}\n`);
  // As the package's own package.json is to dist/: it makes Node load the .js files as ES
  // modules (no package.json above them counts inside node_modules), and the engine reads its
  // version from the folder above its own (src/package-version.ts).
  const manifest = existsSync(resolve(srcDir, "../package.json"))
    ? resolve(srcDir, "../package.json")
    : resolve(PACKAGE_ROOT, "package.json");
  const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name: string; version: string };
  writeFileSync(
    resolve(dir, "package.json"),
    `${JSON.stringify({ name, version, private: true, type: "module" }, null, 2)}\n`,
  );
}

function copySqlFiles(srcDir: string, outDir: string, dir = srcDir): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) copySqlFiles(srcDir, outDir, path);
    else if (entry.name.endsWith(".sql")) cpSync(path, join(outDir, relative(srcDir, path)));
  }
}

function deleteOldBuilds(): void {
  if (!existsSync(BUILDS_DIR)) return;
  for (const name of readdirSync(BUILDS_DIR)) {
    const dir = resolve(BUILDS_DIR, name);
    if (Date.now() - statSync(dir).mtimeMs > KEEP_MS) rmSync(dir, { recursive: true, force: true });
  }
}
