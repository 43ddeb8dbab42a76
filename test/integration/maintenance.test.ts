import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TaskFlow } from "../../src/index.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { SystemClock } from "../../src/time/system-clock.js";
import { backends, dropSchema, TEST_DATABASE_URL, uniqueSchema } from "../support/backends.js";
import { advanceBy } from "../support/schedule-fixture.js";
import { advanceUntil, openTestTaskFlow, until, type TaskFlowFixture } from "../support/taskflow-fixture.js";

const TTL = 10_000; // the default maintenance.leaseTtl
const MINUTE = 60_000;
const HOUR = 3_600_000;
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const driverOf = (tf: TaskFlow) =>
  (tf.store as unknown as { driver: { query(sql: string, params?: unknown[]): Promise<unknown> } }).driver;

describe.each(backends)("leased maintenance on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });
  const holderOf = (tf: TaskFlow) => tf.maintenanceLeaseHolder();

  it("holds the lease on a lone node, renews it under the same fence, and releases it on stop", async () => {
    f = await openTestTaskFlow(backend, { worker: { workerId: "node-a" } });
    expect(await holderOf(f.tf)).toBeNull();
    await f.tf.start();
    expect(await holderOf(f.tf)).toEqual({
      holder: "node-a",
      fence: 1,
      expiresAt: new Date(f.clock.now() + TTL),
    });
    await advanceBy(f.clock, 2 * MINUTE, 1_000);
    const renewed = await holderOf(f.tf);
    expect(renewed).toMatchObject({ holder: "node-a", fence: 1 });
    expect(renewed!.expiresAt.getTime()).toBeGreaterThan(f.clock.now()); // renewed all along

    const next = await f.restart(); // stop() released the lease: nobody holds it until a node starts
    expect(await holderOf(next)).toBeNull();
    await next.start();
    expect(await holderOf(next)).toMatchObject({ holder: "node-a", fence: 2 });
  });

  it("takes the lease over from a holder that died once it expires, with the next fence, and only then reaps", async () => {
    f = await openTestTaskFlow(backend, { worker: { workerId: "node-a", reapInterval: "1s" } });
    const t0 = f.clock.now();
    const task = f.tf.task("orphan", { run: () => "rescued" });
    const job = await f.tf.enqueue(task, {});
    // A node that took the maintenance lease and a job, then died without a word.
    expect(await f.tf.store.maintenance.acquireLease("maintenance", "ghost", t0, TTL)).toEqual({ fence: 1 });
    await f.tf.store.claim({
      workerId: "ghost",
      now: t0,
      leaseMs: 2_000,
      tasks: [{ task: "orphan", limit: 1, maxAttempts: 3, timeoutMs: null }],
      queues: null,
      limit: 1,
    });
    await f.tf.start();
    expect(await holderOf(f.tf)).toMatchObject({ holder: "ghost", fence: 1 });

    // The job's lease expired at 2 s, but this node does not hold the maintenance lease: no reaping.
    await advanceBy(f.clock, TTL - 1_000, 500);
    expect((await f.tf.getJob(job.id))?.state).toBe("running");
    expect(await holderOf(f.tf)).toMatchObject({ holder: "ghost" });

    await advanceUntil(
      f.clock,
      500,
      TTL,
      async () => (await holderOf(f!.tf))?.holder === "node-a",
      "lease taken over",
    );
    expect(f.clock.now() - t0).toBeGreaterThan(TTL);
    expect(f.clock.now() - t0).toBeLessThan(TTL + TTL / 3 + 2_000); // at its next try after expiry
    expect(await holderOf(f.tf)).toMatchObject({ fence: 2 });
    await until(async () => (await f!.tf.getJob(job.id))?.state === "succeeded", "job reaped and rerun");
    expect(await f.tf.getJob(job.id)).toMatchObject({ result: "rescued", attempt: 2 });
  });

  it("stops housekeeping when another node has taken the lease from it", async () => {
    f = await openTestTaskFlow(backend, { worker: { workerId: "node-a", reapInterval: "1s" } });
    await f.tf.start();
    expect(await holderOf(f.tf)).toMatchObject({ holder: "node-a", fence: 1 });
    // As after a pause longer than the TTL: another node took the lease and the fence moved on.
    await driverOf(f.tf).query(
      "UPDATE maintenance_lease SET holder = 'usurper', fence = fence + 1, expires_at = $1",
      [new Date(f.clock.now() + HOUR)],
    );
    const reap = vi.spyOn(f.tf.store, "reapExpiredLeases");
    const tries = vi.spyOn(f.tf.store.maintenance, "acquireLease");
    // The next renewal is refused; the try after it starts only once that tick ended (work stopped).
    await advanceUntil(f.clock, 500, TTL, () => Promise.resolve(tries.mock.calls.length >= 2), "refused");
    reap.mockClear();
    await advanceBy(f.clock, 3 * TTL, 1_000);
    expect(reap).not.toHaveBeenCalled();
    expect(await holderOf(f.tf)).toMatchObject({ holder: "usurper", fence: 2 });
  });

  it("deletes finished jobs past the retention window with their logs, and keeps newer and unfinished ones", async () => {
    f = await openTestTaskFlow(backend, {
      worker: { workerId: "node-a", pollInterval: "1h" },
      scheduler: { enabled: false },
      maintenance: { retention: "1h" },
    });
    const task = f.tf.task("t", {
      run: async (ctx) => {
        await ctx.log.info("ran");
        return "done";
      },
    });
    await f.tf.start();
    const succeeded = async (id: string) => (await f!.tf.getJob(id))?.state === "succeeded";
    const old = await f.tf.enqueue(task, {});
    await until(() => succeeded(old.id), "old job done");
    const finishedAt = f.clock.now();
    const oldCancelled = await f.tf.enqueue(task, {}, { delay: "1d" });
    await f.tf.cancel(oldCancelled.id);
    expect(await f.tf.jobLogs(old.id)).toHaveLength(1);

    await advanceBy(f.clock, 30 * MINUTE, MINUTE);
    const recent = await f.tf.enqueue(task, {});
    // Fake minutes fly by faster than a real ping returns: the database listener may be
    // reconnecting (on a fake-clock timer) when the enqueue's notification is sent. Moving the
    // clock a little lets it reconnect, and a reconnect wakes the worker.
    await advanceUntil(f.clock, 1_000, MINUTE, () => succeeded(recent.id), "recent job done");
    const waiting = await f.tf.enqueue(task, {}, { delay: "1d" });

    await advanceUntil(
      f.clock,
      MINUTE,
      2 * HOUR,
      async () => (await f!.tf.getJob(old.id)) === null,
      "old job pruned",
    );
    // Retention runs every 1% of the window (at least every minute): never before the window ends.
    expect(f.clock.now() - finishedAt).toBeGreaterThan(HOUR);
    expect(f.clock.now() - finishedAt).toBeLessThanOrEqual(HOUR + 5 * MINUTE);
    expect(await f.tf.getJob(oldCancelled.id)).toBeNull();
    expect(await f.tf.jobLogs(old.id)).toEqual([]);
    expect(await f.tf.getJob(recent.id)).toMatchObject({ state: "succeeded" });
    expect(await f.tf.jobLogs(recent.id)).toHaveLength(1);
    expect(await f.tf.getJob(waiting.id)).toMatchObject({ state: "queued" });
  });

  it("lists every started node in the registry, keeps its row fresh, and removes it on stop", async () => {
    f = await openTestTaskFlow(backend, { worker: { workerId: "node-a" } });
    // A node that died two hours ago without removing its row: the maintenance holder prunes it.
    await f.tf.store.maintenance.heartbeatNode(
      {
        id: "ghost",
        host: "gone",
        pid: 1,
        version: "0.0.1",
        startedAt: f.clock.now() - 3 * HOUR,
        clockSkewMs: 0,
      },
      f.clock.now() - 2 * HOUR,
    );
    const startedAt = new Date(f.clock.now());
    await f.tf.start();
    await until(async () => (await f!.tf.listNodes()).length === 1, "stale node pruned");
    expect(await f.tf.listNodes()).toEqual([
      {
        id: "node-a",
        host: hostname(),
        pid: process.pid,
        version,
        startedAt,
        lastSeenAt: startedAt,
        clockSkewMs: 0,
      },
    ]);
    await advanceBy(f.clock, TTL / 2, 500);
    await until(
      async () => (await f!.tf.listNodes())[0]?.lastSeenAt.getTime() === f!.clock.now(),
      "heartbeat",
    );
    const next = await f.restart();
    expect(await next.listNodes()).toEqual([]);
  });

  it("reports the node's clock skew against the database in the registry", async () => {
    const clock = new SystemClock();
    f = await openTestTaskFlow(backend, { worker: { workerId: "skewed" }, clock });
    clock.setOffset(-1234); // this machine's clock runs 1.234 s ahead of the database's
    await f.tf.start();
    expect(f.tf.clockSkewMs).toBe(1234);
    expect(await f.tf.listNodes()).toMatchObject([{ id: "skewed", clockSkewMs: 1234 }]);
  });
});

describe.skipIf(TEST_DATABASE_URL === undefined)("leased maintenance across two nodes", () => {
  const schema = uniqueSchema("mnt");
  const clock = new FakeClock();
  const nodes: TaskFlow[] = [];
  const open = async (workerId: string) => {
    const tf = await TaskFlow.create({
      database: TEST_DATABASE_URL,
      schema,
      clock,
      logger: "silent",
      worker: { workerId, reapInterval: "1s" },
    });
    nodes.push(tf);
    return tf;
  };
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((tf) => tf.stop().catch(() => undefined)));
    await dropSchema(schema);
  });

  it("lets one node hold the lease and reap, and hands it to the other at once when it stops", async () => {
    const a = await open("node-a");
    const b = await open("node-b");
    const reapsOf = (tf: TaskFlow) => vi.spyOn(tf.store, "reapExpiredLeases");
    const [reapA, reapB] = [reapsOf(a), reapsOf(b)];
    await a.start();
    await b.start();
    expect((await b.listNodes()).map((n) => n.id)).toEqual(["node-a", "node-b"]);
    for (let i = 0; i < 6; i++) {
      await advanceBy(clock, 5_000, 500);
      expect(await b.maintenanceLeaseHolder()).toMatchObject({ holder: "node-a", fence: 1 });
    }
    expect(reapA.mock.calls.length).toBeGreaterThan(10);
    expect(reapB).not.toHaveBeenCalled();

    const stoppedAt = clock.now();
    await a.stop();
    await advanceUntil(
      clock,
      250,
      TTL,
      async () => (await b.maintenanceLeaseHolder())?.holder === "node-b",
      "node-b takes over",
    );
    // Released, not expired: taken at node-b's next try, well before the TTL.
    expect(clock.now() - stoppedAt).toBeLessThanOrEqual(TTL / 3 + 1_000);
    expect(await b.maintenanceLeaseHolder()).toMatchObject({ fence: 2 });
    await advanceUntil(clock, 250, 2_000, () => Promise.resolve(reapB.mock.calls.length > 0), "node-b reaps");
    expect((await b.listNodes()).map((n) => n.id)).toEqual(["node-b"]);
  });

  it("takes over from a node cut off from the database once the lease expires", async () => {
    const a = await open("node-a");
    const b = await open("node-b");
    await a.start();
    await b.start();
    const t0 = clock.now();
    await a.store.close(); // node-a can no longer renew (nor release) anything
    await advanceBy(clock, TTL, 500);
    expect(await b.maintenanceLeaseHolder()).toBeNull(); // expired, not yet taken
    await advanceUntil(
      clock,
      250,
      TTL,
      async () => (await b.maintenanceLeaseHolder())?.holder === "node-b",
      "node-b takes over",
    );
    expect(clock.now() - t0).toBeGreaterThan(TTL);
    expect(await b.maintenanceLeaseHolder()).toMatchObject({ fence: 2 });
  });
});
