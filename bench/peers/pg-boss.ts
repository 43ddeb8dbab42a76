// bench/peers/pg-boss.ts — pg-boss as a bench subject, for its newest release (12, Node >= 22,
// run under the bench's Node 24) and the newest that installs on Node 20 (10.x). A producer
// instance (no supervisor, no scheduler) enqueues; each run starts a worker instance with the
// settings under test. The two majors differ in API: 12 exports { PgBoss }, takes
// insert(name, jobs) and work({ localConcurrency }); 10 exports the class as the module, takes
// insert(jobs with name) and gets one worker per work() call.
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

/** The little of pg-boss's API the bench uses (both majors), typed here so the bench type-checks without it installed. */
interface PgBossJob {
  data: BenchPayload;
}
interface PgBossInstance {
  on(event: "error" | "warning", listener: (error: unknown) => void): unknown;
  start(): Promise<unknown>;
  stop(options?: Record<string, unknown>): Promise<void>;
  createQueue(name: string, options?: Record<string, unknown>): Promise<void>;
  send(name: string, data: object): Promise<string | null>;
  insert(...args: unknown[]): Promise<unknown>;
  work(
    name: string,
    options: Record<string, unknown>,
    handler: (jobs: PgBossJob[]) => Promise<void>,
  ): Promise<string>;
  schedule(name: string, cron: string, data?: object | null): Promise<void>;
}
type PgBossClass = new (options: Record<string, unknown>) => PgBossInstance;

export interface PgBossVariant {
  /** The package name in bench/package.json ("pg-boss", or the alias "pg-boss-node20"). */
  packageName: string;
  /** 12 for the newest API, 10 for the Node 20 one. */
  major: 10 | 12;
  settings: SettingsName;
}

const QUEUE = "bench-noop";
const CRON_QUEUE = "bench-cron";
/**
 * Jobs per fetch when tuned: one round trip claims this many, handled one after another. pg-boss
 * documents the option but no value; 250 was the fastest of 20, 100, 250 and 500 on the
 * reference machine (docs/benchmarks.md), so the tuned rows get pg-boss at its best we found.
 */
const TUNED_BATCH_SIZE = 250;
const DOCS = {
  12: "https://pgboss.io/api/workers (work options: batchSize, localConcurrency, burstWhenBatchFull, pollingIntervalSeconds >= 0.5), https://pgboss.io/api/constructor (useListenNotify; queue option notify), https://pgboss.io/api/scheduling (cronMonitorIntervalSeconds, cronWorkerIntervalSeconds)",
  10: "https://github.com/timgit/pg-boss/blob/10.4.2/docs/readme.md (work options: batchSize, pollingIntervalSeconds >= 0.5; scheduling: cronMonitorIntervalSeconds, cronWorkerIntervalSeconds)",
};

export class PgBossAdapter implements SystemAdapter {
  readonly system = "pg-boss";
  readonly settings: AdapterSettings;
  #PgBoss: PgBossClass | null = null;
  #producer: PgBossInstance | null = null;
  #db: BenchDatabase | null = null;
  readonly errors: string[] = [];

  constructor(
    private readonly variant: PgBossVariant,
    readonly version: string,
    private readonly env: AdapterEnvironment,
  ) {
    const tuned = variant.settings === "tuned";
    const options: Record<string, unknown> = tuned
      ? {
          ...(variant.major === 12
            ? { useListenNotify: true, "queue.notify": true, burstWhenBatchFull: true }
            : {}),
          batchSize: TUNED_BATCH_SIZE,
          pollingIntervalSeconds: 0.5,
          cronMonitorIntervalSeconds: 1,
          cronWorkerIntervalSeconds: 1,
        }
      : {};
    this.settings = {
      name: variant.settings,
      options,
      connections: `producer pool 10 (default max); worker instance pool 10 (default max)${tuned && variant.major === 12 ? " + 1 LISTEN connection" : ""}`,
      ...(tuned ? { source: DOCS[variant.major] } : {}),
      concurrency:
        variant.major === 12
          ? "work({ localConcurrency: N }): N polling workers, each handling its fetched batch one job after another"
          : "N × work(): N polling workers, each handling its fetched batch one job after another",
    };
  }

  get #tuned(): boolean {
    return this.variant.settings === "tuned";
  }

  get db(): BenchDatabase {
    if (this.#db === null) throw new Error("PgBossAdapter: setup() first");
    return this.#db;
  }

  /** A pg-boss instance on the bench schema; `role` decides what runs in it besides the pool. */
  async #instance(role: "producer" | "worker"): Promise<PgBossInstance> {
    if (this.#PgBoss === null) throw new Error("PgBossAdapter: setup() first");
    const tunedOptions =
      this.#tuned && role === "worker"
        ? {
            cronMonitorIntervalSeconds: 1,
            cronWorkerIntervalSeconds: 1,
            ...(this.variant.major === 12 ? { useListenNotify: true } : {}),
          }
        : {};
    const boss = new this.#PgBoss({
      connectionString: this.env.databaseUrl,
      schema: this.env.namespace,
      // The producer is the application side: it sends, it does not supervise or schedule.
      ...(role === "producer" ? { supervise: false, schedule: false } : {}),
      ...tunedOptions,
    });
    boss.on("error", (error) => {
      if (this.errors.length < 20) this.errors.push(String((error as Error).message ?? error));
    });
    await boss.start();
    return boss;
  }

  async setup(): Promise<void> {
    const module = await importPeer<{ PgBoss?: PgBossClass; default?: PgBossClass }>(
      this.variant.packageName,
    );
    const PgBoss = this.variant.major === 12 ? module.PgBoss : module.default;
    if (PgBoss === undefined) throw new Error(`${this.variant.packageName} exports no PgBoss class`);
    this.#PgBoss = PgBoss;
    this.#db = await BenchDatabase.open(this.env.databaseUrl, this.env.namespace);
    this.#producer = await this.#instance("producer");
    const queueOptions = this.#tuned && this.variant.major === 12 ? { notify: true } : {};
    await this.#producer.createQueue(QUEUE, queueOptions);
    await this.#producer.createQueue(CRON_QUEUE, queueOptions);
  }

  get #boss(): PgBossInstance {
    if (this.#producer === null) throw new Error("PgBossAdapter: setup() first");
    return this.#producer;
  }

  async reset(): Promise<void> {
    // The queue rows stay (they carry the queue's settings); their jobs go.
    await this.db.query(`TRUNCATE "${this.env.namespace}".job`);
  }

  async enqueueBatch(payloads: BenchPayload[]): Promise<void> {
    if (this.variant.major === 12)
      await this.#boss.insert(
        QUEUE,
        payloads.map((data) => ({ data })),
      );
    else await this.#boss.insert(payloads.map((data) => ({ name: QUEUE, data })));
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.#boss.send(QUEUE, payload);
  }

  async settleBacklog(): Promise<void> {
    await this.db.query(`ANALYZE "${this.env.namespace}".job`);
  }

  #workOptions(): Record<string, unknown> {
    if (!this.#tuned) return {};
    return {
      batchSize: TUNED_BATCH_SIZE,
      pollingIntervalSeconds: 0.5,
      ...(this.variant.major === 12 ? { burstWhenBatchFull: true } : {}),
    };
  }

  /** Registers N workers on `queue`: localConcurrency on 12, N work() calls on 10. */
  async #work(boss: PgBossInstance, queue: string, concurrency: number, handler: JobHandler): Promise<void> {
    const run = async (jobs: PgBossJob[]) => {
      for (const job of jobs) handler(job.data);
      await Promise.resolve();
    };
    if (this.variant.major === 12) {
      await boss.work(queue, { ...this.#workOptions(), localConcurrency: concurrency }, run);
    } else {
      for (let n = 0; n < concurrency; n++) await boss.work(queue, this.#workOptions(), run);
    }
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<RunningWorkers> {
    const boss = await this.#instance("worker");
    await this.#work(boss, QUEUE, concurrency, handler);
    return { stop: () => stopBoss(boss, this.variant.major) };
  }

  async countUnfinished(): Promise<number> {
    const rows = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${this.env.namespace}".job WHERE name = $1 AND state <> 'completed'`,
      [QUEUE],
    );
    return Number(rows[0]?.n ?? 0);
  }

  serverCpu() {
    return localBackends(this.env.databaseUrl, (text, params) => this.db.query(text, params));
  }

  async serverVersion(): Promise<string> {
    return `PostgreSQL ${await this.db.serverVersion()}`;
  }

  /**
   * pg-boss's cron: `* * * * *` (a job a minute; its scheduling resolution is one job per
   * 60-second slot). The occurrence's intended time is the whole minute the job belongs to:
   * every delay in the chain (cron pass, send-it worker, queue worker) is well under a minute.
   */
  async scheduleRecurring(onFire: (intendedAt: number) => void): Promise<RecurringSchedule> {
    const boss = await this.#instance("worker");
    await boss.schedule(CRON_QUEUE, "* * * * *", { cron: true });
    await this.#work(boss, CRON_QUEUE, 1, () => onFire(Math.floor(Date.now() / 60_000) * 60_000));
    return {
      periodMs: 60_000,
      declaration: `boss.schedule(queue, "* * * * *")${this.#tuned ? " with cronMonitorIntervalSeconds 1, cronWorkerIntervalSeconds 1" : " (cron pass every 30 s, send-it worker every 5 s by default)"}`,
      stop: () => stopBoss(boss, this.variant.major),
    };
  }

  async teardown(): Promise<void> {
    if (this.#producer !== null) await stopBoss(this.#producer, this.variant.major).catch(() => undefined);
    await this.#db?.dropAndClose();
  }
}

async function stopBoss(boss: PgBossInstance, major: 10 | 12): Promise<void> {
  await boss.stop(
    major === 12 ? { graceful: true, timeout: 10_000 } : { graceful: true, wait: true, timeout: 10_000 },
  );
}
