// bench/peers/bullmq.ts — BullMQ on Redis as a bench subject (default settings; its newest
// release installs on Node 20). A Queue enqueues; each run starts a Worker. All keys live under
// the run's own prefix, deleted at the end (nothing else in Redis is touched).
import { localRedis } from "../bench-cpu.js";
import {
  importPeer,
  type AdapterEnvironment,
  type AdapterSettings,
  type BenchPayload,
  type JobHandler,
  type RecurringSchedule,
  type RunningWorkers,
  type SystemAdapter,
} from "./adapter.js";

/** The little of BullMQ's and ioredis's API the bench uses, typed here so the bench type-checks without them installed. */
interface BullJob {
  id?: string;
  data: BenchPayload;
}
interface BullQueue {
  add(name: string, data: object): Promise<unknown>;
  addBulk(jobs: { name: string; data: object }[]): Promise<unknown>;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  obliterate(options: { force: boolean }): Promise<void>;
  upsertJobScheduler(
    id: string,
    repeat: { every: number },
    template: { name: string; data: object },
  ): Promise<unknown>;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}
interface BullWorker {
  on(event: "error", listener: (error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}
interface BullModule {
  Queue: new (name: string, options: Record<string, unknown>) => BullQueue;
  Worker: new (
    name: string,
    processor: (job: BullJob) => Promise<void>,
    options: Record<string, unknown>,
  ) => BullWorker;
}
interface RedisClient {
  info(section: string): Promise<string>;
  scan(cursor: string, ...args: (string | number)[]): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
  quit(): Promise<unknown>;
}
type RedisClass = new (options: Record<string, unknown>) => RedisClient;

const QUEUE = "bench-noop";
const CRON_QUEUE = "bench-cron";

export class BullMqAdapter implements SystemAdapter {
  readonly system = "BullMQ";
  readonly settings: AdapterSettings = {
    name: "default",
    options: {},
    connections:
      "Queue: 1 Redis connection; Worker: 2 (commands + blocking); the bench's own: 1 (counts, CPU, cleanup)",
    concurrency: "new Worker(queue, fn, { concurrency: N })",
  };
  #bull: BullModule | null = null;
  #redis: RedisClient | null = null;
  #queue: BullQueue | null = null;
  readonly errors: string[] = [];

  constructor(
    readonly version: string,
    private readonly env: AdapterEnvironment,
  ) {}

  get #lib(): BullModule {
    if (this.#bull === null) throw new Error("BullMqAdapter: setup() first");
    return this.#bull;
  }

  get #control(): RedisClient {
    if (this.#redis === null) throw new Error("BullMqAdapter: setup() first");
    return this.#redis;
  }

  get #producer(): BullQueue {
    if (this.#queue === null) throw new Error("BullMqAdapter: setup() first");
    return this.#queue;
  }

  #options(): Record<string, unknown> {
    return { connection: { ...this.env.redis }, prefix: this.env.namespace };
  }

  async setup(): Promise<void> {
    this.#bull = await importPeer<BullModule>("bullmq");
    const { Redis } = await importPeer<{ Redis: RedisClass }>("ioredis");
    this.#redis = new Redis({ ...this.env.redis, lazyConnect: false });
    this.#queue = new this.#lib.Queue(QUEUE, this.#options());
    await this.#queue.waitUntilReady();
  }

  async reset(): Promise<void> {
    await this.#producer.obliterate({ force: true });
  }

  async enqueueBatch(payloads: BenchPayload[]): Promise<void> {
    await this.#producer.addBulk(payloads.map((data) => ({ name: "noop", data })));
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.#producer.add("noop", payload);
  }

  async settleBacklog(): Promise<void> {
    // Nothing to settle: Redis has no planner.
  }

  #worker(queue: string, concurrency: number, processor: (job: BullJob) => void): BullWorker {
    const worker = new this.#lib.Worker(
      queue,
      async (job) => {
        processor(job);
        await Promise.resolve();
      },
      { ...this.#options(), concurrency },
    );
    worker.on("error", (error) => {
      if (this.errors.length < 20) this.errors.push(error.message);
    });
    return worker;
  }

  async startWorkers(concurrency: number, handler: JobHandler): Promise<RunningWorkers> {
    const worker = this.#worker(QUEUE, concurrency, (job) => handler(job.data));
    await worker.waitUntilReady();
    return { stop: () => worker.close() };
  }

  async countUnfinished(): Promise<number> {
    const counts = await this.#producer.getJobCounts(
      "wait",
      "active",
      "delayed",
      "prioritized",
      "waiting-children",
    );
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  serverCpu() {
    return localRedis(this.env.redis.host, () => this.#control.info("cpu"));
  }

  async serverVersion(): Promise<string> {
    const info = await this.#control.info("server");
    return `Redis ${/^redis_version:(\S+)/m.exec(info)?.[1] ?? "unknown"}`;
  }

  /**
   * A job scheduler `every: 1000`. Its jobs' ids are `repeat:<scheduler id>:<millis>`, the
   * millisecond the occurrence is due: that is the intended fire time.
   */
  async scheduleRecurring(onFire: (intendedAt: number) => void): Promise<RecurringSchedule> {
    const queue = new this.#lib.Queue(CRON_QUEUE, this.#options());
    const worker = this.#worker(CRON_QUEUE, 1, (job) => {
      const due = Number(/:(\d+)$/.exec(job.id ?? "")?.[1]);
      if (Number.isFinite(due)) onFire(due);
    });
    await worker.waitUntilReady();
    await queue.upsertJobScheduler("bench-every-second", { every: 1000 }, { name: "tick", data: {} });
    return {
      periodMs: 1000,
      declaration: `queue.upsertJobScheduler(id, { every: 1000 }, { name, data })`,
      stop: async () => {
        await worker.close();
        await queue.close();
      },
    };
  }

  /** Deletes every key under this run's prefix (SCAN + DEL), nothing else. */
  async teardown(): Promise<void> {
    await this.#queue?.close().catch(() => undefined);
    if (this.#redis === null) return;
    let cursor = "0";
    do {
      const [next, keys] = await this.#redis.scan(cursor, "MATCH", `${this.env.namespace}:*`, "COUNT", 1000);
      if (keys.length > 0) await this.#redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    await this.#redis.quit();
  }
}
