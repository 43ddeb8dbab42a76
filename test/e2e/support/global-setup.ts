import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { CHROMIUM_MISSING_MESSAGE, chromiumMissing } from "./chromium.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const VITE = fileURLToPath(new URL("../../../node_modules/vite/bin/vite.js", import.meta.url));

/**
 * Before the browser tests: chromium must be there (CI fails without it; a developer's machine
 * skips the suite with a message), and the dashboard is built now, so a test never runs
 * against a stale dist/dashboard.
 */
export default function setup(): void {
  if (chromiumMissing) {
    const ci = (process.env.CI ?? "").toLowerCase();
    if (ci !== "" && ci !== "0" && ci !== "false") throw new Error(CHROMIUM_MISSING_MESSAGE);
    console.warn(`\nskipping the browser tests: ${CHROMIUM_MISSING_MESSAGE}\n`);
  }
  const started = Date.now();
  const build = spawnSync(
    process.execPath,
    [VITE, "build", "--config", "dashboard/vite.config.ts", "--logLevel", "warn"],
    { cwd: ROOT, encoding: "utf8", timeout: 180_000 },
  );
  if (build.status !== 0) {
    throw new Error(
      `building the dashboard failed (vite build --config dashboard/vite.config.ts, exit ${build.status ?? build.signal}):\n${build.stdout}\n${build.stderr}`,
    );
  }
  console.log(`dashboard built into dist/dashboard in ${Date.now() - started} ms`);
}
