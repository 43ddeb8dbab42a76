import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveSchedule } from "../../src/scheduler/schedule-spec.js";
import { backends } from "../support/backends.js";
import { claimAll, newJob, openTestStore, type StoreFixture } from "../support/store-fixture.js";

const TTL = 10_000;
const HOUR = 3_600_000;

describe.each(backends)("MaintenanceStore contract on $name", (backend) => {
  let f: StoreFixture;
  beforeEach(async () => {
    f = await openTestStore(backend);
  });
  afterEach(async () => {
    await f.close();
  });

  const acquire = (holder: string, ttl = TTL) =>
    f.store.maintenance.acquireLease("maintenance", holder, f.clock.now(), ttl);

  describe("leases", () => {
    it("takes a free lease with fence 1 and renews it for its holder with the same fence", async () => {
      expect(await f.store.maintenance.leaseHolder("maintenance")).toBeNull();
      expect(await acquire("a")).toEqual({ fence: 1 });
      await f.clock.advance(3_000);
      expect(await acquire("a")).toEqual({ fence: 1 });
      expect(await f.store.maintenance.leaseHolder("maintenance")).toEqual({
        holder: "a",
        fence: 1,
        expiresAt: new Date(f.clock.now() + TTL),
      });
    });

    it("refuses the lease to another node until it expires, then hands it over with the next fence", async () => {
      await acquire("a");
      await f.clock.advance(TTL);
      expect(await acquire("b")).toBeNull(); // expires_at = now: not yet past
      await f.clock.advance(1);
      expect(await acquire("b")).toEqual({ fence: 2 });
      // The old holder wakes up: its renewal is refused, and so is its release.
      expect(await acquire("a")).toBeNull();
      expect(await f.store.maintenance.releaseLease("maintenance", "a", 1)).toBe(false);
      expect(await f.store.maintenance.leaseHolder("maintenance")).toMatchObject({ holder: "b", fence: 2 });
      await f.clock.advance(TTL + 1);
      expect(await acquire("a")).toEqual({ fence: 3 });
    });

    it("lets only the tenure holding the lease release it, and the next holder's fence is still higher", async () => {
      await acquire("a");
      expect(await f.store.maintenance.releaseLease("maintenance", "a", 7)).toBe(false);
      expect(await f.store.maintenance.releaseLease("maintenance", "b", 1)).toBe(false);
      expect(await f.store.maintenance.releaseLease("maintenance", "a", 1)).toBe(true);
      expect(await f.store.maintenance.leaseHolder("maintenance")).toBeNull();
      // Released: taken at once, long before the old expiry; even its last holder starts a new tenure.
      expect(await acquire("b")).toEqual({ fence: 2 });
      expect(await f.store.maintenance.releaseLease("maintenance", "b", 2)).toBe(true);
      expect(await acquire("a")).toEqual({ fence: 3 });
    });

    it("gives a free lease to exactly one of several nodes racing for it", async () => {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => acquire(`node-${i}`)));
      expect(results.filter((r) => r !== null)).toEqual([{ fence: 1 }]);
      const winner = `node-${results.findIndex((r) => r !== null)}`;
      expect(await f.store.maintenance.leaseHolder("maintenance")).toMatchObject({ holder: winner });
    });

    it("keeps leases of different names apart", async () => {
      expect(await f.store.maintenance.acquireLease("x", "a", f.clock.now(), TTL)).toEqual({ fence: 1 });
      expect(await f.store.maintenance.acquireLease("y", "b", f.clock.now(), TTL)).toEqual({ fence: 1 });
    });
  });

  describe("node registry", () => {
    const node = (id: string, clockSkewMs = 0) => ({
      id,
      host: "host-1",
      pid: 4242,
      version: "1.2.3",
      startedAt: f.clock.now(),
      clockSkewMs,
    });

    it("registers a node, refreshes it at each heartbeat and removes it", async () => {
      const started = f.clock.now();
      await f.store.maintenance.heartbeatNode(node("n1", 12), f.clock.now());
      await f.store.maintenance.heartbeatNode(node("n2"), f.clock.now());
      await f.clock.advance(5_000);
      await f.store.maintenance.heartbeatNode({ ...node("n1", -3.4), startedAt: started }, f.clock.now());
      expect(await f.store.maintenance.listNodes()).toEqual([
        {
          id: "n1",
          host: "host-1",
          pid: 4242,
          version: "1.2.3",
          startedAt: new Date(started),
          lastSeenAt: new Date(f.clock.now()),
          clockSkewMs: -3,
        },
        expect.objectContaining({ id: "n2", lastSeenAt: new Date(started) }),
      ]);
      expect(await f.store.maintenance.removeNode("n2")).toBe(true);
      expect(await f.store.maintenance.removeNode("n2")).toBe(false);
      expect((await f.store.maintenance.listNodes()).map((n) => n.id)).toEqual(["n1"]);
    });

    it("prunes nodes not seen for longer than asked", async () => {
      await f.store.maintenance.heartbeatNode(node("gone"), f.clock.now());
      await f.clock.advance(HOUR);
      await f.store.maintenance.heartbeatNode(node("alive"), f.clock.now());
      expect(await f.store.maintenance.pruneNodes(f.clock.now(), HOUR)).toBe(0);
      await f.clock.advance(1);
      expect(await f.store.maintenance.pruneNodes(f.clock.now(), HOUR)).toBe(1);
      expect((await f.store.maintenance.listNodes()).map((n) => n.id)).toEqual(["alive"]);
    });
  });

  describe("retention", () => {
    const enqueue = async (task: string, options = {}) => {
      const [outcome] = await f.store.enqueue([newJob(task, {}, options, f.clock.now())], f.clock.now());
      return outcome!.job;
    };
    const claim = (task: string) =>
      f.store.claim({
        workerId: "w",
        now: f.clock.now(),
        leaseMs: 30_000,
        tasks: [claimAll(task, 100, 1)],
        queues: null,
        limit: 100,
      });
    const error = { code: "X", name: "Error", message: "boom", attempt: 1, at: "" };

    /** One job in each finished state, finished now; and a queued and a running one. */
    const jobsOfEveryState = async (prefix: string) => {
      await enqueue(`${prefix}-ok`);
      await enqueue(`${prefix}-dead`);
      const cancelled = await enqueue(`${prefix}-cancelled`);
      await f.store.cancel(cancelled.id, f.clock.now());
      const [ok] = await claim(`${prefix}-ok`);
      await f.store.appendLog(ok!, { level: "info", message: "hello", dataJson: null }, f.clock.now());
      await f.store.complete([{ ...ok!, resultJson: "1" }], f.clock.now());
      const [dead] = await claim(`${prefix}-dead`);
      await f.store.fail([{ ...dead!, state: "dead", runAt: null, error }], f.clock.now());
      const schedule = resolveSchedule(`${prefix}-s`, { task: `${prefix}-s`, every: "1s" }, f.clock.now());
      await f.store.schedules.upsert(schedule, f.clock.now(), f.clock.now(), "test");
      await f.store.schedules.fireDue({ now: f.clock.now(), lookaheadMs: 0, limit: 10 }, () => ({
        enqueue: [],
        skipped: [{ fireAt: f.clock.now(), reason: "test" }],
        skippedCount: 1,
        nextFireAt: null,
      }));
      await enqueue(`${prefix}-queued`);
      await enqueue(`${prefix}-running`);
      await claim(`${prefix}-running`);
      return ok!.id;
    };

    it("deletes jobs finished before the window, with their logs, and keeps newer and unfinished ones", async () => {
      const oldOk = await jobsOfEveryState("old");
      expect(await f.store.listJobLogs(oldOk)).toHaveLength(1);
      await f.clock.advance(2 * HOUR);
      await jobsOfEveryState("new");
      expect(await f.store.listJobs({})).toHaveLength(12);

      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 100)).toBe(4);
      const left = (await f.store.listJobs({})).map((j) => `${j.task}:${j.state}`).sort();
      expect(left).toEqual([
        "new-cancelled:cancelled",
        "new-dead:dead",
        "new-ok:succeeded",
        "new-queued:queued",
        "new-running:running",
        "new-s:skipped",
        "old-queued:queued",
        "old-running:running",
      ]);
      expect(await f.store.listJobLogs(oldOk)).toEqual([]);
      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 100)).toBe(0);
    });

    it("deletes in batches of the limit given, oldest first", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const job = await enqueue("t");
        await f.store.cancel(job.id, f.clock.now());
        ids.push(job.id);
        await f.clock.advance(1_000);
      }
      await f.clock.advance(HOUR);
      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 2)).toBe(2);
      expect((await f.store.listJobs({})).map((j) => j.id).sort()).toEqual(ids.slice(2).sort());
      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 2)).toBe(2);
      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 2)).toBe(1);
      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 2)).toBe(0);
    });

    it("keeps deduplicating with an idempotency key after its job was pruned", async () => {
      const job = await enqueue("t", { idempotencyKey: "k", idempotencyTtl: "30d" });
      await f.store.cancel(job.id, f.clock.now());
      await f.clock.advance(2 * HOUR);
      expect(await f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 100)).toBe(1);
      const again = await f.store
        .enqueue([newJob("t", {}, { idempotencyKey: "k" }, f.clock.now())], f.clock.now())
        .catch((e: unknown) => e);
      expect(again).toMatchObject({ code: "JOB_NOT_FOUND" });
      expect(await f.store.listJobs({})).toEqual([]);
    });

    it.skipIf(backend.name === "pglite")(
      "skips rows another transaction holds instead of waiting for them",
      async () => {
        const held = await enqueue("t");
        const free = await enqueue("t");
        await f.store.cancel(held.id, f.clock.now());
        await f.store.cancel(free.id, f.clock.now());
        await f.clock.advance(2 * HOUR);
        const pruned = await f.store.driver.transaction(async (tx) => {
          await tx.query("SELECT id FROM jobs WHERE id = $1 FOR UPDATE", [held.id]);
          return f.store.maintenance.pruneFinishedJobs(f.clock.now(), HOUR, 100);
        });
        expect(pruned).toBe(1);
        expect((await f.store.listJobs({})).map((j) => j.id)).toEqual([held.id]);
      },
    );
  });
});
