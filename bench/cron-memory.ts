import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { CronBenchContext } from "./cron-context.js";
import { resetSchema } from "./cron-lag.js";
import type { MemoryNodeReport } from "./cron-memory-node.js";

/**
 * Memory of one idle node against the number of stored schedules. The schedules are far in the
 * future (a year and more ahead), so the node only idles: its fire loop wakes, finds nothing
 * due through the `schedules_due` index, and sleeps. Rows are bulk-inserted with SQL for speed,
 * each a copy of a template made by tf.schedule() with its own cron, spec and next_fire_at.
 */

export const IDLE_TASK = "bench.cron.idle";
const TEMPLATE_ID = "idle-0";

/** One fixed local time per schedule, spread over a year: "0 m h d M * Y" fires once. */
function idleCron(n: number, year: number): string {
  return `0 ${n % 60} ${Math.floor(n / 60) % 24} ${1 + (Math.floor(n / 1440) % 28)} ${1 + (Math.floor(n / 40320) % 12)} * ${year}`;
}

/** Brings the schedules table to exactly `target` idle schedules (grows only, or empties it). */
export async function seedIdleSchedules(ctx: CronBenchContext, target: number): Promise<number> {
  const year = new Date().getUTCFullYear() + 2;
  const [row] = await ctx.db.query<{ n: string }>("SELECT count(*) AS n FROM schedules");
  const current = Number(row?.n ?? 0);
  if (target === 0 || current > target) {
    await resetSchema(ctx);
    if (target === 0) return 0;
    return seedIdleSchedules(ctx, target);
  }
  if (current === 0) {
    await ctx.producer.schedule(TEMPLATE_ID, { task: IDLE_TASK, payload: { n: 0 }, cron: idleCron(0, year) });
  }
  const first = Math.max(current, 1);
  if (target > first) {
    await ctx.db.query(
      `INSERT INTO schedules (id, task, payload, spec, timing, start_at, end_at, jitter_ms, catchup, catchup_window_ms,
                              max_catchup, overlap, calendars, queue, priority, max_attempts, timeout_ms, retry,
                              next_fire_at, created_at, updated_at)
       SELECT 'idle-' || n, t.task, jsonb_build_object('n', n), jsonb_build_object('cron', c.expr, 'task', t.task),
              jsonb_build_object('kind', 'cron', 'expression', c.expr, 'timezone', 'UTC'), t.start_at, t.end_at,
              t.jitter_ms, t.catchup, t.catchup_window_ms, t.max_catchup, t.overlap, t.calendars, t.queue, t.priority,
              t.max_attempts, t.timeout_ms, t.retry, c.next_fire_at, now(), now()
       FROM schedules t, generate_series($1::int, $2::int - 1) AS n,
            LATERAL (SELECT format('0 %s %s %s %s * %s', n % 60, (n / 60) % 24, 1 + (n / 1440) % 28,
                                   1 + (n / 40320) % 12, $3::int) AS expr,
                            make_timestamptz($3::int, 1 + (n / 40320) % 12, 1 + (n / 1440) % 28, (n / 60) % 24,
                                             n % 60, 0, 'UTC') AS next_fire_at) AS c
       WHERE t.id = $4`,
      [first, target, year, TEMPLATE_ID],
    );
  }
  await ctx.db.query("VACUUM ANALYZE schedules");
  await checkSeededRows(ctx, target, year);
  return target;
}

/** The SQL copies must say what tf.schedule() would have written: compare a few with the engine. */
async function checkSeededRows(ctx: CronBenchContext, target: number, year: number): Promise<void> {
  for (const n of new Set([0, Math.floor(target / 2), target - 1])) {
    const [row] = await ctx.db.query<{ next_fire_at: Date; timing: { expression: string } }>(
      "SELECT next_fire_at, timing FROM schedules WHERE id = $1",
      [`idle-${n}`],
    );
    const expected = ctx.producer.previewSchedule({ task: IDLE_TASK, cron: idleCron(n, year) }, 1)[0];
    if (
      row === undefined ||
      row.timing.expression !== idleCron(n, year) ||
      row.next_fire_at.getTime() !== expected?.getTime()
    ) {
      throw new Error(`seeded schedule idle-${n} does not match what tf.schedule() computes`);
    }
  }
}

const MEMORY_NODE = fileURLToPath(new URL("./cron-memory-node.ts", import.meta.url));

/** Runs one idle node in a child process (with --expose-gc) and returns its report. */
export function runIdleNode(ctx: CronBenchContext, idleSeconds: number): Promise<MemoryNodeReport> {
  return new Promise((resolve, reject) => {
    const child = fork(MEMORY_NODE, [], {
      execArgv: [...process.execArgv, "--expose-gc"],
      env: {
        ...process.env,
        CRON_BENCH_URL: ctx.url,
        CRON_BENCH_SCHEMA: ctx.db.schema,
        CRON_BENCH_IDLE_SECONDS: String(idleSeconds),
        CRON_BENCH_TASK: IDLE_TASK,
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let report: MemoryNodeReport | null = null;
    child.on("message", (message) => (report = message as MemoryNodeReport));
    child.on("error", reject);
    child.on("exit", (code) =>
      report === null
        ? reject(new Error(`idle node exited with ${String(code)} before reporting`))
        : resolve(report),
    );
  });
}
