// bench/peers/graphile-worker.ts — Graphile Worker as a bench subject, for its newest release
// (0.18, Node >= 22, run under the bench's Node 24) and the newest that installs on Node 20
// (0.17.x). Worker utils (their own pool) enqueue; each run starts a runner with the settings
// under test. Tuned = the batching the project's performance page uses for its figures.
import { localBackends } from "../bench-cpu.js";
import { BenchDatabase } from "../bench-db.js";
import {
  importPeer,
  type AdapterEnvironment,
  type AdapterSettings,
  type BenchPayload,
  type JobHandler,
  type RecurringSchedule,
  type RunningWorkers,
  type SettingsName,
  type SystemAdapter,
} from "./adapter.js";

/** The little of Graphile Worker's API the bench uses, typed here so the bench type-checks without it installed. */
type LogFunction = (level: string, message: string) => void;
interface Runner {
  stop(): Promise<void>;
}
interface WorkerUtils {
  addJob(identifier: string, payload: unknown): Promise<unknown>;
  addJobs(specs: { identifier: string; payload: unknown }[]): Promise<unknown>;
  migrate(): Promise<void>;
  release(): Promise<void>;
}
interface GraphileModule {
  run(options: Record<string, unknown>): Promise<Runner>;
  makeWorkerUtils(options: Record<string, unknown>): Promise<WorkerUtils>;
  Logger: new (factory: () => LogFunction) => unknown;
}

export interface GraphileVariant {
  /** The package name in bench/package.json ("graphile-worker", or "graphile-worker-node20"). */
  packageName: string;
  settings: SettingsName;
}

const TASK = "bench_noop";
const CRON_TASK = "bench_cron";
const DOCS =
  "https://worker.graphile.org/docs/performance (the configuration behind its figures: localQueue { size: 500 }, completeJobBatchDelay 0, failJobBatchDelay 0); maxPoolSize per its option docs: 10 or concurrentJobs + 2, whichever is larger";

interface CronPayload {
  _cron?: { ts?: string };
}

export class GraphileWorkerAdapter implements SystemAdapter {
  readonly system = "Graphile Worker";
  readonly settings: AdapterSettings;
  #module: GraphileModule | null = null;
  #utils: WorkerUtils | null = null;
  #db: BenchDatabase | null = null;
  /** Errors the library logged (first few), since its logger is otherwise silenced. */
  readonly errors: string[] = [];

  constructor(
    private readonly variant: GraphileVariant,
    readonly version: string,
    private readonly env: AdapterEnvironment,
  ) {
    const tuned = variant.settings === "tuned";
    this.settings = {
      name: variant.settings,
      options: tuned
        ? {
            maxPoolSize: "max(10, N + 2)",
            "preset.worker.localQueue": { size: 500 },
            "preset.worker.completeJobBatchDelay": 0,
            "preset.worker.failJobBatchDelay": 0,
          }
        : {},
      connections: tuned
        ? "worker utils pool 10 (default); runner pool max(10, N + 2) (its LISTEN connection included)"
        : "worker utils pool 10 (default); runner pool 10 (default; its LISTEN connection included)",
      ...(tuned ? { source: DOCS } : {}),
      concurrency: "run({ concurrency: N }) (concurrentJobs)",
    };
  }

  get db(): BenchDatabase {
    if (this.#db === null) throw new Error("GraphileWorkerAdapter: setup() first");
    return this.#db;
  }

  get #lib(): GraphileModule {
    if (this.#module === null) throw new Error("GraphileWorkerAdapter: setup() first");
    return this.#module;
  }

  /** A logger that keeps errors and warnings (first few) and prints nothing. */
  #logger(): unknown {
    return new this.#lib.Logger(() => (level, message) => {
      if ((level === "error" || level === "warning") && this.errors.length < 20) this.errors.push(message);
    });
  }

  #shared(): Record<string, unknown> {
    return { connectionString: this.env.databaseUrl, schema: this.env.namespace, logger: this.#logger() };
  }

  async setup(): Promise<void> {
    const loaded = await importPeer<GraphileModule & { default?: GraphileModule }>(this.variant.packageName);
    this.#module = typeof loaded.run === "function" ? loaded : (loaded.default ?? loaded);
    this.#db = await BenchDatabase.open(this.env.databaseUrl, this.env.namespace);
    this.#utils = await this.#lib.makeWorkerUtils(this.#shared());
    await this.#utils.migrate();
  }

  get #producer(): WorkerUtils {
    if (this.#utils === null) throw new Error("GraphileWorkerAdapter: setup() first");
    return this.#utils;
  }

  async reset(): Promise<void> {
    await this.db.query(
      `TRUNCATE "${this.env.namespace}"._private_jobs, "${this.env.namespace}"._private_job_queues`,
    );
  }

  async enqueueBatch(payloads: BenchPayload[]): Promise<void> {
    await this.#producer.addJobs(payloads.map((payload) => ({ identifier: TASK, payload })));
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.#producer.addJob(TASK, payload);
  }

  async settleBacklog(): Promise<void> {
    await this.db.query(`ANALYZE "${this.env.namespace}"._private_jobs`);
  }

  #runnerOptions(concurrency: number): Record<string, unknown> {
    if (this.variant.settings === "default") return { concurrency };
    return {
      concurrency,
      maxPoolSize: Math.max(10, concurrency + 2),
      preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    };
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<RunningWorkers> {
    const runner = await this.#lib.run({
      ...this.#shared(),
      ...this.#runnerOptions(concurrency),
      noHandleSignals: true,
      // An empty crontab, so it does not look for a crontab file in the working directory.
      crontab: "",
      taskList: {
        [TASK]: (payload: unknown) => {
          handler(payload as BenchPayload);
        },
      },
    });
    return { stop: () => runner.stop() };
  }

  /** Finished jobs are deleted; what is left (queued, locked, or failed) is unfinished. */
  async countUnfinished(): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${this.env.namespace}"._private_jobs`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  serverCpu() {
    return localBackends(this.env.databaseUrl, (text, params) => this.db.query(text, params));
  }

  async serverVersion(): Promise<string> {
    return `PostgreSQL ${await this.db.serverVersion()}`;
  }

  /** Graphile's crontab (minute granularity); the payload's `_cron.ts` is the intended time. */
  async scheduleRecurring(onFire: (intendedAt: number) => void): Promise<RecurringSchedule> {
    const runner = await this.#lib.run({
      ...this.#shared(),
      ...this.#runnerOptions(1),
      noHandleSignals: true,
      crontab: `* * * * * ${CRON_TASK}`,
      taskList: {
        [CRON_TASK]: (payload: unknown) => {
          const ts = (payload as CronPayload)._cron?.ts;
          if (ts !== undefined) onFire(Date.parse(ts));
        },
      },
    });
    return {
      periodMs: 60_000,
      declaration: `run({ crontab: "* * * * * ${CRON_TASK}" })`,
      stop: () => runner.stop(),
    };
  }

  async teardown(): Promise<void> {
    await this.#utils?.release().catch(() => undefined);
    await this.#db?.dropAndClose();
  }
}
