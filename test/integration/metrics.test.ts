// The metrics a library user reads from `tf.metrics`: lease expiries from the reaper and stale
// writes refused by the store, counted as they happen; the cluster-wide gauges read from the
// store once per TTL, and unknown (not stale) when the store cannot be read; one registry per
// instance.
import pg from "pg";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TaskFlow, type TaskFlowOptions } from "../../src/index.js";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { backends, TEST_DATABASE_URL } from "../support/backends.js";
import { parseExposition, sumBy } from "../support/prometheus-text.js";
import { claimAll } from "../support/store-fixture.js";
import {
  aborted,
  advanceUntil,
  gate,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../support/taskflow-fixture.js";

const scrape = async (tf: TaskFlow) => parseExposition(await tf.metrics.metrics());
const counter = async (tf: TaskFlow, name: string, by: string[] = ["task", "queue"]) =>
  sumBy(await scrape(tf), `taskflow_${name}`, by);
const driverOf = (tf: TaskFlow) => (tf.store as PostgresStore).driver;

describe.each(backends)("metrics on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const open = (options: Partial<TaskFlowOptions> = {}) =>
    openTestTaskFlow(backend, {
      worker: { queues: ["mine"], leaseDuration: "9s", reapInterval: "1s", pollInterval: "1h" },
      maintenance: { leaseTtl: "2s" },
      scheduler: { enabled: false },
      ...options,
    });

  it("counts lease expiries, and the retry or death each leads to, when the reaper takes jobs back", async () => {
    f = await open();
    const { tf, clock } = f;
    tf.task("again", { run: () => "ok" });
    tf.task("once", { run: () => "ok" });
    await tf.start();
    // Jobs of another queue, claimed by a worker that then died (it never renews its lease).
    const again = await tf.enqueue("again", {}, { queue: "elsewhere" });
    const once = await tf.enqueue("once", {}, { queue: "elsewhere" });
    const claimed = await tf.store.claim({
      workerId: "crashed-node",
      now: clock.now(),
      leaseMs: 5_000,
      tasks: [claimAll("again", 1, 3), claimAll("once", 1, 1)],
      queues: null,
      limit: 2,
    });
    expect(claimed).toHaveLength(2);
    await advanceUntil(
      clock,
      500,
      20_000,
      async () =>
        (await tf.getJob(once.id))?.state === "dead" && (await tf.getJob(again.id))?.state === "queued",
      "both leases reaped",
    );
    expect((await tf.getJob(again.id))!.lastError).toMatchObject({ code: "LEASE_EXPIRED" });
    const ids = (entries: Map<string, number>) => Object.fromEntries([...entries].filter(([, v]) => v > 0));
    expect(ids(await counter(tf, "lease_expiries_total"))).toEqual({
      "again/elsewhere": 1,
      "once/elsewhere": 1,
    });
    expect(ids(await counter(tf, "jobs_failed_total"))).toEqual({
      "again/elsewhere": 1,
      "once/elsewhere": 1,
    });
    expect(ids(await counter(tf, "jobs_retried_total"))).toEqual({ "again/elsewhere": 1 });
    expect(ids(await counter(tf, "jobs_dead_total"))).toEqual({ "once/elsewhere": 1 });
    // Started on no node of ours: the crashed node ran them.
    expect(ids(await counter(tf, "jobs_started_total"))).toEqual({});
  });

  it("counts a worker's log line and completion refused after its lease passed to another worker, and no success", async () => {
    f = await open();
    const { tf } = f;
    const proceed = gate();
    tf.task("slow", {
      run: async (ctx) => {
        await proceed.promise;
        await ctx.log.info("still here");
        return "too late";
      },
    });
    await tf.start();
    const job = await tf.enqueue("slow", {}, { queue: "mine" });
    await until(async () => (await tf.getJob(job.id))?.state === "running", "job running");
    // As if the lease had expired and another worker claimed the job (the fence moved on).
    await driverOf(tf).query(
      "UPDATE jobs SET attempt = attempt + 1, lease_owner = 'other-node' WHERE id = $1",
      [job.id],
    );
    proceed.open();
    await until(
      async () => ((await counter(tf, "stale_writes_rejected_total", ["write"])).get("complete") ?? 0) > 0,
      "completion refused",
    );
    expect(Object.fromEntries(await counter(tf, "stale_writes_rejected_total", ["write"]))).toEqual({
      log: 1,
      complete: 1,
    });
    expect((await counter(tf, "jobs_succeeded_total")).get("slow/mine")).toBe(0);
    expect(await tf.getJob(job.id)).toMatchObject({ state: "running", leaseOwner: "other-node" });
  });

  it("counts a lease renewal the store refused, and writes nothing more for that attempt", async () => {
    f = await open();
    const { tf, clock } = f;
    tf.task("waits", { run: (ctx) => aborted(ctx.signal) });
    await tf.start();
    const job = await tf.enqueue("waits", {}, { queue: "mine" });
    await until(async () => (await tf.getJob(job.id))?.state === "running", "job running");
    await driverOf(tf).query(
      "UPDATE jobs SET attempt = attempt + 1, lease_owner = 'other-node' WHERE id = $1",
      [job.id],
    );
    await advanceUntil(
      clock,
      500,
      6_000,
      async () => ((await counter(tf, "stale_writes_rejected_total", ["write"])).get("heartbeat") ?? 0) > 0,
      "renewal refused",
    );
    await until(
      async () => ((await counter(tf, "job_run_duration_seconds_count")).get("waits/mine") ?? 0) === 1,
      "attempt ended",
    );
    expect(Object.fromEntries(await counter(tf, "stale_writes_rejected_total", ["write"]))).toEqual({
      heartbeat: 1,
    });
    for (const name of ["jobs_failed_total", "jobs_cancelled_total", "jobs_succeeded_total"])
      expect([name, (await counter(tf, name)).get("waits/mine")]).toEqual([name, 0]);
  });

  it("shows the cluster's circuit breakers by task and state", async () => {
    f = await open();
    const outcome = (breaker: string, task: string, succeeded: boolean) =>
      f!.tf.store.recordCircuitOutcome({
        breaker,
        task,
        succeeded,
        now: f!.clock.now(),
        consecutiveFailures: 1,
        openForMs: 60_000,
        error: null,
      });
    await outcome("key:a.example", "fetch", false);
    await outcome("key:b.example", "fetch", false);
    await outcome("key:c.example", "fetch", true);
    await outcome("task:pay", "pay", true);
    const gauges = sumBy(await scrape(f.tf), "taskflow_circuit_breakers", ["task", "state"]);
    expect(Object.fromEntries(gauges)).toEqual({ "fetch/open": 2, "fetch/closed": 1, "pay/closed": 1 });
  });

  it("reads the cluster-wide gauges from the store once per TTL, and makes them unknown while it cannot", async () => {
    f = await open({ metrics: { clusterStatsTtl: "5s" }, maintenance: { leaseTtl: "1h" } });
    const { tf, clock } = f;
    tf.task("later", { run: () => "ok" });
    await tf.start();
    await tf.enqueue("later", {}, { queue: "mine", delay: "1h" });
    const reads = vi.spyOn(tf.store.overview, "queueDepths");
    const depth = async () => sumBy(await scrape(tf), "taskflow_queue_depth", ["task", "queue", "status"]);
    expect((await depth()).get("later/mine/delayed")).toBe(1);
    await tf.enqueue("later", {}, { queue: "mine", delay: "1h" });
    expect((await depth()).get("later/mine/delayed")).toBe(1); // the same reading, within its TTL
    expect(reads).toHaveBeenCalledTimes(1);
    await clock.advance(5_000);
    expect((await depth()).get("later/mine/delayed")).toBe(2);
    expect(reads).toHaveBeenCalledTimes(2);

    reads.mockRejectedValueOnce(new Error("connection reset"));
    await clock.advance(5_000);
    const down = await scrape(tf);
    const value = (name: string) => down.find((s) => s.name === `taskflow_${name}`)?.value;
    expect(value("cluster_stats_up")).toBe(0);
    expect(value("nodes_live")).toBeNaN();
    expect(value("maintenance_lease_holders")).toBeNaN();
    expect(down.filter((s) => s.name === "taskflow_queue_depth")).toEqual([]);
    expect(down.some((s) => s.name === "taskflow_jobs_enqueued_total" && s.value === 2)).toBe(true);
    await clock.advance(5_000);
    const up = await scrape(tf);
    expect(up.find((s) => s.name === "taskflow_cluster_stats_up")?.value).toBe(1);
    expect(up.find((s) => s.name === "taskflow_nodes_live")?.value).toBe(1);
  });
});

const postgres = backends.find((backend) => backend.name === "postgres");

describe.skipIf(postgres === undefined)("metrics of enqueues in the application's transaction", () => {
  it("does not count a job enqueued inside the application's own transaction, which may roll back", async () => {
    const f = await openTestTaskFlow(postgres!, { scheduler: { enabled: false } });
    const app = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    try {
      f.tf.task("t", { run: () => "ok" });
      const client = await app.connect();
      try {
        await client.query("BEGIN");
        await f.tf.enqueue("t", {}, { tx: client });
        await client.query("ROLLBACK");
      } finally {
        client.release();
      }
      expect((await counter(f.tf, "jobs_enqueued_total")).get("t/default")).toBeUndefined();
      await f.tf.enqueue("t", {});
      expect((await counter(f.tf, "jobs_enqueued_total")).get("t/default")).toBe(1);
    } finally {
      await app.end();
      await f.close();
    }
  });
});

describe("one metrics registry per TaskFlow", () => {
  const memory = { dataDir: "memory://", logger: "silent" as const, scheduler: { enabled: false } };

  it("gives two instances in one process their own registries", async () => {
    const a = await TaskFlow.create(memory);
    const b = await TaskFlow.create(memory);
    try {
      a.task("t", { run: () => "ok" });
      b.task("t", { run: () => "ok" });
      await a.enqueue("t", {});
      expect(a.metrics).not.toBe(b.metrics);
      expect((await counter(a, "jobs_enqueued_total")).get("t/default")).toBe(1);
      expect((await counter(b, "jobs_enqueued_total")).get("t/default")).toBeUndefined();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it("registers in a registry the application passes, and refuses one that already holds TaskFlow's metrics", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ app: "shop" });
    const tf = await TaskFlow.create({ ...memory, metrics: { registry } });
    try {
      expect(tf.metrics).toBe(registry);
      tf.task("t", { run: () => "ok" });
      await tf.enqueue("t", {});
      expect(await registry.metrics()).toContain(
        'taskflow_jobs_enqueued_total{task="t",queue="default",app="shop"} 1',
      );
      // Refused before any connection is tried.
      await expect(
        TaskFlow.create({ database: "postgres://127.0.0.1:1/none", logger: "silent", metrics: { registry } }),
      ).rejects.toMatchObject({ code: "INVALID_OPTION", details: { option: "metrics.registry" } });
    } finally {
      await tf.stop();
    }
  });
});
