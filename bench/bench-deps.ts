// bench/bench-deps.ts — the peers live in bench/package.json, not in TaskFlow's dependencies:
// `npm run bench` installs them (npm ci in bench/) when any is missing or at another version.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** The version a dependency spec pins: "6.7.0", or "0.17.3" from "npm:graphile-worker@0.17.3". */
function pinnedVersion(spec: string): string {
  return spec.startsWith("npm:") ? spec.slice(spec.lastIndexOf("@") + 1) : spec;
}

/** Dependencies of bench/package.json that are not installed at the pinned version. */
export function missingBenchDependencies(): string[] {
  const manifest = JSON.parse(readFileSync(resolve(BENCH_DIR, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  return Object.entries(manifest.dependencies).flatMap(([name, spec]) => {
    const installed = resolve(BENCH_DIR, "node_modules", name, "package.json");
    if (!existsSync(installed)) return [`${name} (missing)`];
    const { version } = JSON.parse(readFileSync(installed, "utf8")) as { version: string };
    return version === pinnedVersion(spec) ? [] : [`${name} (${version}, want ${pinnedVersion(spec)})`];
  });
}

/**
 * Installs bench/'s dependencies when any is missing: `npm ci` from the lockfile, or `npm install`
 * when ci refuses (a registry mirror without some platforms' optional packages leaves them out of
 * the lockfile, and ci then calls it out of sync). Throws if npm fails.
 */
export function ensureBenchDependencies(): void {
  const missing = missingBenchDependencies();
  if (missing.length === 0) return;
  console.error(`bench dependencies not installed: ${missing.join(", ")}; installing them in bench/`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const args = ["--no-audit", "--no-fund"];
  if (existsSync(resolve(BENCH_DIR, "package-lock.json"))) {
    const ci = spawnSync(npm, ["ci", ...args], { cwd: BENCH_DIR, encoding: "utf8" });
    if (ci.status === 0) return;
    const reason = /npm error (?!code)(.+)/.exec(ci.stderr)?.[1] ?? `exit ${String(ci.status)}`;
    console.error(`npm ci refused (${reason.trim()}); running npm install instead`);
  }
  const install = spawnSync(npm, ["install", ...args], {
    cwd: BENCH_DIR,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (install.status !== 0) throw new Error(`npm install in bench/ failed (exit ${String(install.status)})`);
  const still = missingBenchDependencies();
  if (still.length > 0)
    throw new Error(`bench dependencies still missing after npm install: ${still.join(", ")}`);
}
