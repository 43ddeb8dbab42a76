// bench/compare-run.ts — runs the systems of `npm run bench` one after another, each in a child
// process of its own (bench/compare-child.ts) under the Node its variant needs, and gathers what
// they report. Never two systems at once, except the minute-granularity cron group (see runCron).
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { ChildMessage, ChildRequest, ChildTask } from "./compare-protocol.js";
import { queueSteps, type CompareProfile } from "./compare-profiles.js";
import { importPeer, type AdapterEnvironment, type AdapterSettings } from "./peers/adapter.js";
import { nodeBinary, type Variant } from "./peers/variants.js";

const CHILD = fileURLToPath(new URL("./compare-child.ts", import.meta.url));

export interface FigureRuns {
  runs: Record<string, unknown>[];
  warmup: Record<string, unknown> | null;
  failures: string[];
}

/** Everything one variant reported, across its child processes. */
export interface VariantResult {
  id: string;
  system: string;
  version: string;
  settings: AdapterSettings | null;
  /** process.version in the child. */
  node: string;
  serverVersion: string | null;
  figures: Record<string, FigureRuns>;
  /** What the system logged as errors, and failed children. */
  errors: string[];
  /** Times the PostgreSQL server restarted while one of this system's processes ran (its runs are suspect). */
  serverRestarts: number;
}

export interface RunContext {
  databaseUrl: string;
  redis: { host: string; port: number };
  /** Unique per bench run: schemas (and Redis prefixes) are bcmp_<stamp>_<n>. */
  stamp: string;
  results: Map<string, VariantResult>;
  /** Progress lines, e.g. "  pg-boss 12.38.0 [bulk] run 1: 12,000 jobs/s". */
  log: (line: string) => void;
  describe: (figure: string, result: Record<string, unknown>) => string;
  /** Set on Ctrl-C: the running child dies with it, its database is dropped, nothing else starts. */
  interrupted: boolean;
}

let children = 0;

function resultOf(ctx: RunContext, variant: Variant): VariantResult {
  let result = ctx.results.get(variant.id);
  if (result === undefined) {
    result = {
      id: variant.id,
      system: variant.system,
      version: "?",
      settings: null,
      node: "?",
      serverVersion: null,
      figures: {},
      errors: [],
      serverRestarts: 0,
    };
    ctx.results.set(variant.id, result);
  }
  return result;
}

/** Systems measured at their defaults and at a documented tuning: their labels name the setting. */
const TUNABLE = new Set(["pg-boss", "Graphile Worker"]);

/** "pg-boss 12.38.0 tuned (Node 24)". */
export function labelOf(result: VariantResult): string {
  const settings = TUNABLE.has(result.system) ? ` ${result.settings?.name ?? "?"}` : "";
  return `${result.system} ${result.version}${settings} (Node ${result.node.replace(/^v(\d+).*/, "$1")})`;
}

function record(ctx: RunContext, result: VariantResult, message: ChildMessage): void {
  if (message.kind === "ready") {
    Object.assign(result, {
      system: message.system,
      version: message.version,
      settings: message.settings,
      serverVersion: message.serverVersion,
      node: message.node,
    });
    return;
  }
  if (message.kind === "done") {
    result.errors.push(...message.errors);
    return;
  }
  const figure = (result.figures[message.figure] ??= { runs: [], warmup: null, failures: [] });
  if (message.kind === "failed") {
    figure.failures.push(`run ${message.run}: ${message.message}`);
    ctx.log(
      `  ${labelOf(result)} [${message.figure}] run ${message.run} FAILED: ${message.message.split("\n")[0] ?? ""}`,
    );
  } else if (message.run === 0) {
    figure.warmup = message.result;
  } else {
    figure.runs.push(message.result);
    ctx.log(
      `  ${labelOf(result)} [${message.figure}] run ${message.run}: ${ctx.describe(message.figure, message.result)}`,
    );
  }
}

/**
 * Runs one child to the end (or kills it after `timeoutMs`). A PostgreSQL system gets a fresh
 * database of its own (dropped after), so nothing of one process reaches another: Graphile
 * Worker's NOTIFY channels, for one, are per database, not per schema.
 */
async function runChild(
  ctx: RunContext,
  variant: Variant,
  task: ChildTask,
  timeoutMs: number,
): Promise<void> {
  const result = resultOf(ctx, variant);
  const namespace = `bcmp_${ctx.stamp}_${++children}`;
  const databaseUrl = variant.postgres ? await createDatabase(ctx, namespace) : ctx.databaseUrl;
  const env: AdapterEnvironment = { databaseUrl, redis: ctx.redis, namespace };
  const serverStartedAt = await postmasterStart(ctx);
  try {
    const child = fork(CHILD, [], {
      execPath: nodeBinary(variant),
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let done = false;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.on("message", (message: ChildMessage) => {
      if (message.kind === "done") done = true;
      record(ctx, result, message);
    });
    const request: ChildRequest = { variantId: variant.id, env, task };
    child.send(request);
    const timer = setTimeout(() => {
      result.errors.push(`child killed after ${timeoutMs} ms`);
      child.kill("SIGKILL");
    }, timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    if (!done || code !== 0) {
      result.errors.push(
        `child for ${variant.id} exited with ${String(code)}${done ? "" : " before finishing"}`,
      );
      if (variant.system === "BullMQ") await deleteRedisPrefix(ctx, namespace);
    }
  } finally {
    // Another process restarting the shared server (a chaos test, say) voids what it hit.
    if ((await postmasterStart(ctx)) !== serverStartedAt) {
      result.serverRestarts++;
      result.errors.push("the PostgreSQL server restarted while this process ran: its figures are suspect");
      ctx.log(`  ${labelOf(result)}: the PostgreSQL server restarted during these runs`);
    }
    if (variant.postgres) await dropDatabase(ctx, namespace);
  }
}

/** When the server last started (null while it cannot be reached), retried for a few seconds. */
async function postmasterStart(ctx: RunContext): Promise<string | null> {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      return await withAdminClient(ctx, async (client) => {
        const rows = await client.query<{ at: Date }>("SELECT pg_postmaster_start_time() AS at");
        return rows.rows[0]?.at.toISOString() ?? null;
      });
    } catch {
      await sleep(1000);
    }
  }
  return null;
}

async function withAdminClient<T>(ctx: RunContext, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ctx.databaseUrl, application_name: "taskflow-bench" });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh database on the bench's server (from template0, which nobody connects to); its URL. */
async function createDatabase(ctx: RunContext, name: string): Promise<string> {
  await withAdminClient(ctx, (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE template0`));
  const url = new URL(ctx.databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(ctx: RunContext, name: string): Promise<void> {
  await withAdminClient(ctx, (client) =>
    client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  ).catch((error: unknown) =>
    ctx.log(`  could not drop database ${name}: ${(error as Error).message}; drop it by hand`),
  );
}

/** Deletes the keys under a prefix a dead BullMQ child left behind. */
async function deleteRedisPrefix(ctx: RunContext, namespace: string): Promise<void> {
  type RedisLike = {
    scan(c: string, ...a: (string | number)[]): Promise<[string, string[]]>;
    del(...k: string[]): Promise<number>;
    quit(): Promise<unknown>;
  };
  const { Redis } = await importPeer<{ Redis: new (o: object) => RedisLike }>("ioredis");
  const client = new Redis(ctx.redis);
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${namespace}:*`, "COUNT", 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
  await client.quit();
}

/**
 * The queue scenarios, one system at a time. With `alternateRounds`, each run is a round of its
 * own — a fresh process per system, in turn, and in reverse order on even rounds — so a change in
 * the machine's load falls on every system alike; otherwise one process per system does all runs.
 */
export async function runQueue(
  ctx: RunContext,
  variants: Variant[],
  profile: CompareProfile,
  only: Set<string>,
): Promise<void> {
  const queued = variants.filter((v) => v.queue);
  const runs = Array.from({ length: profile.repeat }, (_, k) => k + 1);
  const rounds = profile.alternateRounds ? runs.map((run) => [run]) : [runs];
  for (const [index, round] of rounds.entries()) {
    const order = index % 2 === 0 ? queued : [...queued].reverse();
    for (const variant of order) {
      if (ctx.interrupted) return;
      const steps = queueSteps(profile, only, round);
      if (steps.length === 0) return;
      ctx.log(`${variant.id}: queue scenarios, run ${round.join(", ")} (after a warm-up run)`);
      await runChild(ctx, variant, { kind: "queue", steps }, 15 * 60_000);
    }
  }
}

/** Setup allowance for the minute group: its children start, migrate and schedule before the boundary. */
const MINUTE_SETUP_MS = 15_000;

/**
 * Cron lateness. Every-second schedules: each run in a fresh process, runs interleaved across
 * systems, one at a time. Minute-granularity schedules (pg-boss, Graphile Worker) need whole
 * minutes, so they share one window — all of them at once, each in its own process — started
 * when the next minute is about MINUTE_SETUP_MS away, filling the wait with every-second runs.
 */
export async function runCron(ctx: RunContext, variants: Variant[], profile: CompareProfile): Promise<void> {
  const c = profile.cron;
  const perSecond = variants.filter((v) => v.cron === "second");
  const queue: { variant: Variant; run: number }[] = [];
  for (let run = 1; run <= c.secondRuns; run++) for (const variant of perSecond) queue.push({ variant, run });
  const minute = c.minuteFires > 0 ? variants.filter((v) => v.cron === "minute") : [];
  let minuteDone = minute.length === 0;
  const secondRunMs = c.warmupMs + c.secondFires * 1000 + 8000;
  while (!ctx.interrupted) {
    if (!minuteDone) {
      const toMinute = 60_000 - (Date.now() % 60_000);
      const soon = toMinute >= MINUTE_SETUP_MS && toMinute <= MINUTE_SETUP_MS + Math.min(20_000, secondRunMs);
      if (soon || queue.length === 0) {
        await runMinuteGroup(ctx, minute, c.minuteFires);
        minuteDone = true;
        continue;
      }
    }
    const next = queue.shift();
    if (next === undefined) break;
    ctx.log(`${next.variant.id}: cron run ${next.run} (${c.secondFires} fires)`);
    await runChild(
      ctx,
      next.variant,
      {
        kind: "cron",
        figure: "cron",
        run: next.run,
        fires: c.secondFires,
        windowStart: null,
        warmupMs: c.warmupMs,
        graceMs: 2000,
      },
      secondRunMs + 30_000,
    );
  }
}

async function runMinuteGroup(ctx: RunContext, variants: Variant[], fires: number): Promise<void> {
  const windowStart = Math.ceil((Date.now() + MINUTE_SETUP_MS) / 60_000) * 60_000;
  ctx.log(
    `${variants.map((v) => v.id).join(", ")}: minute cron, together, ${fires} fire(s) from ${new Date(windowStart).toISOString()}`,
  );
  // pg-boss's default cron pass runs every 30 s, its send-it worker every 5 s: up to ~40 s late.
  const graceMs = 55_000;
  const timeoutMs = windowStart - Date.now() + fires * 60_000 + graceMs + 60_000;
  await Promise.all(
    variants.map(async (variant, index) => {
      await sleep(index * 300); // staggered starts: not all compiling at the same instant
      await runChild(
        ctx,
        variant,
        { kind: "cron", figure: "cron", run: 1, fires, windowStart, warmupMs: 1000, graceMs },
        timeoutMs,
      );
    }),
  );
}
