// bench/peers/taskflow.ts — TaskFlow as a bench subject: a producer instance that only enqueues
// (scheduler off, never started) and, per run, a worker instance with the task registered.
// Defaults throughout: TaskFlow has no separate tuning to apply (prefetch is "auto").
import type { TaskFlow } from "../../src/index.js";
import { localBackends } from "../bench-cpu.js";
import { BenchDatabase } from "../bench-db.js";
import type { TaskFlowModule } from "../bench-env.js";
import type {
  AdapterEnvironment,
  BenchPayload,
  JobHandler,
  RecurringSchedule,
  RunningWorkers,
  SystemAdapter,
} from "./adapter.js";

export const TASK = "bench.noop";
const CRON_TASK = "bench.cron.tick";
/** Seeded finished rows use their own task name, so counting this run's jobs ignores them. */
const HISTORY_TASK = "bench.history";

/** Settings changed from TaskFlow's defaults (bench:queue's --pool-size, --prefetch). */
export interface TaskFlowOverrides {
  poolSize?: number;
  prefetch?: number;
}

export class TaskFlowAdapter implements SystemAdapter {
  readonly system = "TaskFlow";
  readonly settings;
  #producer: TaskFlow | null = null;
  #db: BenchDatabase | null = null;

  constructor(
    private readonly module: TaskFlowModule,
    readonly version: string,
    private readonly env: AdapterEnvironment,
    private readonly overrides: TaskFlowOverrides = {},
  ) {
    const pool = overrides.poolSize ?? 10;
    this.settings = {
      name: "default" as const,
      options: { ...overrides },
      connections: `producer pool ${pool}; worker pool ${pool} + 1 LISTEN connection`,
      concurrency:
        "worker.concurrency = N (prefetch auto: up to max(1000, 20 × N) claimed ahead, at most 2000)",
    };
  }

  /** The bench's own connection, search_path set to the schema. */
  get db(): BenchDatabase {
    if (this.#db === null) throw new Error("TaskFlowAdapter: setup() first");
    return this.#db;
  }

  async #create(options: Record<string, unknown>): Promise<TaskFlow> {
    return this.module.TaskFlow.create({
      database: this.env.databaseUrl,
      schema: this.env.namespace,
      logger: "silent",
      ...(this.overrides.poolSize === undefined ? {} : { poolSize: this.overrides.poolSize }),
      ...options,
    });
  }

  async setup(): Promise<void> {
    this.#db = await BenchDatabase.open(this.env.databaseUrl, this.env.namespace);
    // The first create migrates the schema; this one only enqueues and creates schedules.
    this.#producer = await this.#create({ scheduler: { enabled: false }, unknownTasks: "allow" });
  }

  get producer(): TaskFlow {
    if (this.#producer === null) throw new Error("TaskFlowAdapter: setup() first");
    return this.#producer;
  }

  async reset(): Promise<void> {
    // CASCADE: tables that reference these (job_dependencies, and any a later migration adds)
    // would otherwise make TRUNCATE refuse; in the bench's own schema they hold nothing else.
    await this.db.query(
      "TRUNCATE jobs, job_logs, job_steps, once_results, rate_limit_grants, idempotency_keys, schedules, schedule_history CASCADE",
    );
  }

  async enqueueBatch(payloads: { i: number }[]): Promise<void> {
    await this.producer.enqueueMany(payloads.map((payload) => ({ task: TASK, payload })));
  }

  async enqueueOne(payload: { i: number }): Promise<void> {
    await this.producer.enqueue(TASK, payload);
  }

  /** Refreshes planner statistics, as autovacuum would on a table in steady state. */
  async settleBacklog(): Promise<void> {
    await this.db.query("ANALYZE jobs");
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<RunningWorkers> {
    const tf = await this.#create({
      worker: {
        concurrency,
        ...(this.overrides.prefetch === undefined ? {} : { prefetch: this.overrides.prefetch }),
      },
    });
    tf.task<BenchPayload>(TASK, { run: (ctx) => handler(ctx.payload) });
    await startOrStop(tf);
    return { stop: () => tf.stop() };
  }

  async countUnfinished(): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM jobs WHERE task = $1 AND state <> 'succeeded'",
      [TASK],
    );
    return Number(rows[0]?.n ?? 0);
  }

  serverCpu() {
    return localBackends(this.env.databaseUrl, (text, params) => this.db.query(text, params));
  }

  async serverVersion(): Promise<string> {
    return `PostgreSQL ${await this.db.serverVersion()}`;
  }

  /** `every: "1s"` from a whole second, so occurrences fall on whole seconds (as BullMQ's do). */
  async scheduleRecurring(onFire: (intendedAt: number) => void): Promise<RecurringSchedule> {
    const tf = await this.#create({});
    tf.task(CRON_TASK, {
      run: (ctx) => {
        const fireAt = ctx.job.fireAt?.getTime();
        if (fireAt !== undefined) onFire(fireAt);
      },
    });
    const startAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    await this.producer.schedule("bench-every-second", { task: CRON_TASK, every: "1s", startAt });
    await startOrStop(tf);
    return {
      periodMs: 1000,
      declaration: `tf.schedule(id, { every: "1s", startAt: <a whole second> }) (scheduler defaults: lookahead 2s)`,
      stop: () => tf.stop(),
    };
  }

  /**
   * Inserts `count` finished jobs (succeeded, with a small result), as a long-running queue
   * accumulates them before retention prunes; vacuumed, as autovacuum would have by then.
   */
  async seedFinishedHistory(count: number): Promise<void> {
    await this.db.query(
      `INSERT INTO jobs (task, queue, payload, state, priority, run_at, attempt, max_attempts, result,
                         created_at, started_at, finished_at, updated_at)
       SELECT $2, 'default', jsonb_build_object('i', n), 'succeeded', 0, t, 1, 3, 'null'::jsonb, t, t, t, t
       FROM generate_series(1, $1::int) AS n,
            LATERAL (SELECT now() - interval '1 day' + n * interval '1 ms' AS t) AS ts`,
      [count, HISTORY_TASK],
    );
    await this.db.query("VACUUM ANALYZE jobs");
  }

  async teardown(): Promise<void> {
    await this.#producer?.stop().catch(() => undefined);
    await this.#db?.dropAndClose();
  }
}

async function startOrStop(tf: TaskFlow): Promise<void> {
  try {
    await tf.start();
  } catch (error) {
    await tf.stop();
    throw error;
  }
}
