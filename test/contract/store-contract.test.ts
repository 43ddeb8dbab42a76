import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidStateError, LeaseLostError, NotFoundError } from "../../src/domain/errors.js";
import type { WakeHint } from "../../src/store/store.js";
import { backends } from "../support/backends.js";
import { claimAll, newJob, openTestStore, type StoreFixture } from "../support/store-fixture.js";

const LEASE = 30_000;

describe.each(backends)("Store contract on $name", (backend) => {
  let f: StoreFixture;
  beforeEach(async () => {
    f = await openTestStore(backend);
  });
  afterEach(async () => {
    await f.close();
  });

  const enqueue = async (task: string, payload: unknown = {}, options = {}) => {
    const [outcome] = await f.store.enqueue([newJob(task, payload, options, f.clock.now())], f.clock.now());
    return outcome!.job;
  };
  const claim = (task = "t", limit = 10, worker = "w1", maxAttempts = 3) =>
    f.store.claim({
      workerId: worker,
      now: f.clock.now(),
      leaseMs: LEASE,
      tasks: [claimAll(task, limit, maxAttempts)],
      queues: null,
      limit,
    });

  describe("enqueue", () => {
    it("stores jobs queued, in input order, in one call", async () => {
      const jobs = Array.from({ length: 50 }, (_, i) => newJob("t", { i }, {}, f.clock.now()));
      const outcomes = await f.store.enqueue(jobs, f.clock.now());
      expect(outcomes.map((o) => (o.job.payload as { i: number }).i)).toEqual(jobs.map((_, i) => i));
      expect(outcomes.every((o) => o.created && o.job.state === "queued" && o.job.attempt === 0)).toBe(true);
      expect(new Set(outcomes.map((o) => o.job.id)).size).toBe(50);
    });

    it("returns the existing job for an idempotency key in force, never a second one", async () => {
      const first = await f.store.enqueue(
        [newJob("t", { n: 1 }, { idempotencyKey: "k" }, f.clock.now())],
        f.clock.now(),
      );
      const second = await f.store.enqueue(
        [newJob("t", { n: 2 }, { idempotencyKey: "k" }, f.clock.now())],
        f.clock.now(),
      );
      expect(second[0]!.created).toBe(false);
      expect(second[0]!.job.id).toBe(first[0]!.job.id);
      expect(second[0]!.job.payload).toEqual({ n: 1 });
      expect(await f.store.listJobs({})).toHaveLength(1);
    });

    it("returns each job as stored, new ones and keys in force mixed in one batch, in input order", async () => {
      const [kept] = await f.store.enqueue(
        [newJob("t", { n: "kept" }, { idempotencyKey: "mixed", tags: ["a"] }, f.clock.now())],
        f.clock.now(),
      );
      const outcomes = await f.store.enqueue(
        [
          newJob("t", { n: 0 }, { priority: 3 }, f.clock.now()),
          newJob("t", { n: "again" }, { idempotencyKey: "mixed" }, f.clock.now()),
          newJob("u", { n: 2 }, { idempotencyKey: "fresh", tags: ["x", "y"] }, f.clock.now() + 5000),
        ],
        f.clock.now(),
      );
      expect(outcomes.map((o) => [o.created, o.job.payload])).toEqual([
        [true, { n: 0 }],
        [false, { n: "kept" }],
        [true, { n: 2 }],
      ]);
      expect(outcomes[1]!.job).toEqual(kept!.job);
      for (const { job } of [kept!, ...outcomes]) expect(job).toEqual(await f.store.getJob(job.id));
    });

    it("deduplicates concurrent enqueues with the same key into one job", async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          f.store.enqueue([newJob("t", {}, { idempotencyKey: "race" }, f.clock.now())], f.clock.now()),
        ),
      );
      expect(new Set(results.map((r) => r[0]!.job.id)).size).toBe(1);
      expect(results.filter((r) => r[0]!.created)).toHaveLength(1);
      expect(await f.store.listJobs({})).toHaveLength(1);
    });

    it("keeps deduplicating after the job's row is pruned, and reports it", async () => {
      const job = await enqueue("t", {}, { idempotencyKey: "pruned" });
      await f.store.driver.query("DELETE FROM jobs WHERE id = $1", [job.id]);
      await expect(
        f.store.enqueue([newJob("t", {}, { idempotencyKey: "pruned" }, f.clock.now())], f.clock.now()),
      ).rejects.toThrow(NotFoundError);
      expect(await f.store.listJobs({})).toHaveLength(0);
    });

    it("lets a key create a new job once its window has passed", async () => {
      const first = await enqueue("t", {}, { idempotencyKey: "ttl", idempotencyTtl: "1m" });
      await f.clock.advance(60_001);
      const again = await f.store.enqueue(
        [newJob("t", {}, { idempotencyKey: "ttl" }, f.clock.now())],
        f.clock.now(),
      );
      expect(again[0]!.created).toBe(true);
      expect(again[0]!.job.id).not.toBe(first.id);
    });

    it("prunes idempotency keys once their window has passed, and only those", async () => {
      const keyCount = async () =>
        Number(
          (
            (await f.store.driver.query("SELECT count(*) AS n FROM idempotency_keys")).rows[0] as {
              n: string;
            }
          ).n,
        );
      const short = await enqueue("t", {}, { idempotencyKey: "short", idempotencyTtl: "1m" });
      await enqueue("t", {}, { idempotencyKey: "long", idempotencyTtl: "1h" });
      await enqueue("t", {}, { idempotencyKey: "short-2", idempotencyTtl: "1m" });
      expect(await f.store.maintenance.pruneIdempotencyKeys(f.clock.now() + 59_999, 100)).toBe(0);
      expect(await f.store.maintenance.pruneIdempotencyKeys(f.clock.now() + 60_000, 1)).toBe(1);
      expect(await f.store.maintenance.pruneIdempotencyKeys(f.clock.now() + 60_000, 100)).toBe(1);
      expect(await keyCount()).toBe(1);
      // Within its window the long key still deduplicates; the pruned one is taken anew.
      await f.clock.advance(60_000);
      const [long] = await f.store.enqueue(
        [newJob("t", {}, { idempotencyKey: "long" }, f.clock.now())],
        f.clock.now(),
      );
      expect(long!.created).toBe(false);
      const [again] = await f.store.enqueue(
        [newJob("t", {}, { idempotencyKey: "short" }, f.clock.now())],
        f.clock.now(),
      );
      expect(again!.created).toBe(true);
      expect(again!.job.id).not.toBe(short.id);
    });
  });

  describe("claim", () => {
    it("leases runnable jobs, incrementing the fence and fixing max attempts", async () => {
      const job = await enqueue("t");
      const [claimed] = await claim("t", 10, "w1", 7);
      expect(claimed).toMatchObject({
        id: job.id,
        state: "running",
        fence: 1,
        attempt: 1,
        maxAttempts: 7,
        leaseOwner: "w1",
      });
      expect(claimed!.leaseExpiresAt!.getTime()).toBe(f.clock.now() + LEASE);
      expect(await claim()).toEqual([]);
    });

    it("gives a claimed job the lease, state and start time stored in its row", async () => {
      const due = await enqueue("t");
      // Due within the claim-ahead window: claimed now, started (and so recorded) when due.
      const ahead = await enqueue("t", {}, { delay: "40ms" });
      await f.clock.advance(5);
      const claimed = await f.store.claim({
        workerId: "w1",
        now: f.clock.now(),
        dueBy: f.clock.now() + 50,
        leaseMs: LEASE,
        tasks: [claimAll("t", 10)],
        queues: null,
        limit: 10,
      });
      expect(claimed.map((j) => j.id).sort()).toEqual([due.id, ahead.id].sort());
      const fields = ["state", "leaseOwner", "leaseExpiresAt", "startedAt", "finishedAt", "runAt", "result"];
      const pick = (job: object) =>
        Object.fromEntries(fields.map((k) => [k, (job as Record<string, unknown>)[k]]));
      for (const job of claimed) expect(pick(job)).toEqual(pick((await f.store.getJob(job.id))!));
      const byId = new Map(claimed.map((j) => [j.id, j]));
      expect(byId.get(due.id)!.startedAt!.getTime()).toBe(f.clock.now());
      expect(byId.get(ahead.id)!.startedAt!.getTime()).toBe(ahead.runAt.getTime());
    });

    it("does not claim a job before its run_at", async () => {
      await enqueue("t", {}, { delay: "10s" });
      expect(await claim()).toHaveLength(0);
      await f.clock.advance(10_000);
      expect(await claim()).toHaveLength(1);
    });

    it("claims by priority, then run_at", async () => {
      const low = await enqueue("t", {}, { priority: 0 });
      await f.clock.advance(1);
      const high = await enqueue("t", {}, { priority: 5 });
      const claimed = await claim("t", 1);
      expect(claimed.map((j) => j.id)).toEqual([high.id]);
      expect((await claim("t", 1)).map((j) => j.id)).toEqual([low.id]);
    });

    it("honours the per-task limit, the overall limit, and the queue filter", async () => {
      for (let i = 0; i < 5; i++) await enqueue("a");
      for (let i = 0; i < 5; i++) await enqueue("b", {}, { queue: "other" });
      const claimed = await f.store.claim({
        workerId: "w",
        now: f.clock.now(),
        leaseMs: LEASE,
        tasks: [claimAll("a", 2), claimAll("b", 10)],
        queues: ["default"],
        limit: 10,
      });
      expect(claimed.map((j) => j.task)).toEqual(["a", "a"]);
    });

    it("never hands the same job to two concurrent claims", async () => {
      await f.store.enqueue(
        Array.from({ length: 200 }, () => newJob("t", {}, {}, f.clock.now())),
        f.clock.now(),
      );
      const batches = await Promise.all(Array.from({ length: 6 }, (_, i) => claim("t", 50, `w${i}`)));
      const ids = batches.flat().map((j) => j.id);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
    });

    it("tells the earliest run_at of waiting jobs after a time", async () => {
      expect(await f.store.nextRunAt(["t"], null, f.clock.now())).toBeNull();
      await enqueue("t", {}, { delay: "5s" });
      await enqueue("t", {}, { delay: "2s" });
      await enqueue("t"); // due now: not a wake-up time
      expect(await f.store.nextRunAt(["t"], null, f.clock.now())).toBe(f.clock.now() + 2000);
      expect(await f.store.nextRunAt(["other"], null, f.clock.now())).toBeNull();
    });
  });

  describe("fencing", () => {
    it("renews only leases still held and reports cancellation requests", async () => {
      await enqueue("t");
      const [job] = await claim();
      const lease = { id: job!.id, fence: job!.fence };
      await f.clock.advance(10_000);
      expect(await f.store.renewLeases("w1", [lease], f.clock.now(), LEASE)).toEqual([
        { id: job!.id, cancelRequested: false },
      ]);
      expect(await f.store.renewLeases("w1", [{ ...lease, fence: 99 }], f.clock.now(), LEASE)).toEqual([]);
      expect(await f.store.renewLeases("w2", [lease], f.clock.now(), LEASE)).toEqual([]);
      await f.store.cancel(job!.id, f.clock.now());
      expect(await f.store.renewLeases("w1", [lease], f.clock.now(), LEASE)).toEqual([
        { id: job!.id, cancelRequested: true },
      ]);
    });

    it("refuses every write of a worker whose attempt was superseded", async () => {
      await enqueue("t");
      const [stale] = await claim("t", 1, "w1");
      await f.clock.advance(LEASE + 1);
      expect(await f.store.reapExpiredLeases(f.clock.now(), 100)).toHaveLength(1);
      const [fresh] = await claim("t", 1, "w2");
      expect(fresh!.fence).toBe(2);
      const old = { id: stale!.id, fence: stale!.fence };

      expect(await f.store.complete([{ ...old, resultJson: '"stale"' }], f.clock.now())).toEqual(new Set());
      const failure = {
        ...old,
        state: "dead" as const,
        runAt: null,
        error: { code: "X", name: "E", message: "m", attempt: 1, at: "" },
      };
      expect(await f.store.fail([failure], f.clock.now())).toEqual(new Set());
      expect(await f.store.setProgress(old, '{"p":1}', f.clock.now())).toBe(false);
      expect(
        await f.store.appendLog(old, { level: "info", message: "stale", dataJson: null }, f.clock.now()),
      ).toBe(false);
      expect(await f.store.release([old], f.clock.now())).toEqual(new Set());
      await expect(
        f.store.completeInTransaction(old, f.clock.now(), () => Promise.resolve("stale")),
      ).rejects.toThrow(LeaseLostError);

      expect(
        await f.store.complete(
          [{ id: fresh!.id, fence: fresh!.fence, resultJson: '"fresh"' }],
          f.clock.now(),
        ),
      ).toEqual(new Set([fresh!.id]));
      const final = await f.store.getJob(fresh!.id);
      expect(final).toMatchObject({ state: "succeeded", result: "fresh", progress: null });
      expect(await f.store.listJobLogs(fresh!.id)).toEqual([]);
    });
  });

  describe("outcomes", () => {
    it("records success with its result", async () => {
      await enqueue("t");
      const [job] = await claim();
      await f.store.complete([{ id: job!.id, fence: job!.fence, resultJson: '{"ok":true}' }], f.clock.now());
      expect(await f.store.getJob(job!.id)).toMatchObject({
        state: "succeeded",
        result: { ok: true },
        leaseOwner: null,
      });
    });

    it("requeues a failed attempt at its retry time, or kills it", async () => {
      await enqueue("t");
      await enqueue("t");
      const [a, b] = await claim();
      const error = {
        code: "HANDLER_FAILED",
        name: "Error",
        message: "boom",
        stack: "Error: boom",
        attempt: 1,
        at: "x",
      };
      await f.store.fail(
        [
          { id: a!.id, fence: a!.fence, state: "queued", runAt: f.clock.now() + 5000, error },
          { id: b!.id, fence: b!.fence, state: "dead", runAt: null, error },
        ],
        f.clock.now(),
      );
      expect(await f.store.getJob(a!.id)).toMatchObject({
        state: "queued",
        lastError: error,
        finishedAt: null,
      });
      expect((await f.store.getJob(b!.id))!.state).toBe("dead");
      expect(await claim()).toHaveLength(0);
      await f.clock.advance(5000);
      expect((await claim()).map((j) => j.id)).toEqual([a!.id]);
    });

    it("releases a job with its attempt refunded and its fence kept", async () => {
      await enqueue("t");
      const [job] = await claim("t", 1, "w1", 1);
      await f.store.release([{ id: job!.id, fence: job!.fence }], f.clock.now());
      const released = await f.store.getJob(job!.id);
      expect(released).toMatchObject({ state: "queued", attempt: 0, leaseOwner: null });
      const [again] = await claim("t", 1, "w2", 1);
      expect(again).toMatchObject({ fence: 2, attempt: 1 });
    });

    it("commits a handler's writes and the completion together, or neither", async () => {
      await f.store.driver.query("CREATE TABLE effects (job_id bigint)");
      await enqueue("t");
      await enqueue("t");
      const [ok, failing] = await claim();
      await f.store.completeInTransaction({ id: ok!.id, fence: ok!.fence }, f.clock.now(), async (tx) => {
        await tx.query("INSERT INTO effects VALUES ($1)", [ok!.id]);
        return { wrote: 1 };
      });
      await expect(
        f.store.completeInTransaction(
          { id: failing!.id, fence: failing!.fence },
          f.clock.now(),
          async (tx) => {
            await tx.query("INSERT INTO effects VALUES ($1)", [failing!.id]);
            throw new Error("business rule failed");
          },
        ),
      ).rejects.toThrow("business rule failed");
      const { rows } = await f.store.driver.query<{ job_id: string }>("SELECT job_id::text FROM effects");
      expect(rows.map((r) => r.job_id)).toEqual([ok!.id]);
      expect(await f.store.getJob(ok!.id)).toMatchObject({ state: "succeeded", result: { wrote: 1 } });
      expect((await f.store.getJob(failing!.id))!.state).toBe("running");
    });

    it("stores logs and progress of the attempt that holds the job", async () => {
      await enqueue("t");
      const [job] = await claim();
      const lease = { id: job!.id, fence: job!.fence };
      expect(await f.store.setProgress(lease, '{"done":3}', f.clock.now())).toBe(true);
      expect(
        await f.store.appendLog(
          lease,
          { level: "warn", message: "slow", dataJson: '{"ms":5}' },
          f.clock.now(),
        ),
      ).toBe(true);
      expect((await f.store.getJob(job!.id))!.progress).toEqual({ done: 3 });
      expect(await f.store.listJobLogs(job!.id)).toMatchObject([
        { attempt: 1, level: "warn", message: "slow", data: { ms: 5 } },
      ]);
    });
  });

  describe("reaper", () => {
    it("requeues expired leases, kills jobs whose attempts are spent, and leaves renewed leases alone", async () => {
      const retry = await enqueue("retry");
      const once = await enqueue("once");
      const live = await enqueue("live");
      const claimed = await f.store.claim({
        workerId: "w1",
        now: f.clock.now(),
        leaseMs: LEASE,
        tasks: [claimAll("retry", 1, 2), claimAll("once", 1, 1), claimAll("live", 1, 1)],
        queues: null,
        limit: 3,
      });
      expect(claimed).toHaveLength(3);
      await f.clock.advance(LEASE - 1);
      const liveJob = claimed.find((j) => j.id === live.id)!;
      await f.store.renewLeases("w1", [{ id: liveJob.id, fence: liveJob.fence }], f.clock.now(), LEASE);
      await f.clock.advance(2);

      const reaped = await f.store.reapExpiredLeases(f.clock.now(), 100);
      expect(Object.fromEntries(reaped.map((r) => [r.id, r.state]))).toEqual({
        [retry.id]: "queued",
        [once.id]: "dead",
      });
      expect((await f.store.getJob(once.id))!.lastError).toMatchObject({ code: "LEASE_EXPIRED", attempt: 1 });
      expect((await f.store.getJob(retry.id))!.runAt.getTime()).toBe(f.clock.now());
      expect((await f.store.getJob(live.id))!.state).toBe("running");
    });

    it("turns a job whose cancellation was requested into cancelled when its worker is gone", async () => {
      await enqueue("t");
      const [job] = await claim();
      await f.store.cancel(job!.id, f.clock.now());
      await f.clock.advance(LEASE + 1);
      expect(await f.store.reapExpiredLeases(f.clock.now(), 100)).toEqual([
        { id: job!.id, task: "t", queue: "default", state: "cancelled", compensationBegan: false },
      ]);
    });
  });

  describe("cancel and replay", () => {
    it("cancels a queued job at once and refuses to cancel a finished one", async () => {
      const job = await enqueue("t");
      expect(await f.store.cancel(job.id, f.clock.now())).toMatchObject({
        state: "cancelled",
        cancelRequested: true,
      });
      await expect(f.store.cancel(job.id, f.clock.now())).rejects.toThrow(InvalidStateError);
      await expect(f.store.cancel("424242", f.clock.now())).rejects.toThrow(NotFoundError);
      await expect(f.store.cancel("not-an-id", f.clock.now())).rejects.toThrow(NotFoundError);
    });

    it("replays a dead job with a fresh attempt budget", async () => {
      await enqueue("t");
      const [job] = await claim("t", 1, "w1", 1);
      const error = { code: "E", name: "E", message: "m", attempt: 1, at: "x" };
      await f.store.fail(
        [{ id: job!.id, fence: job!.fence, state: "dead", runAt: null, error }],
        f.clock.now(),
      );
      await expect(f.store.replay("999999", f.clock.now())).rejects.toThrow(NotFoundError);
      expect(await f.store.replay(job!.id, f.clock.now())).toMatchObject({
        state: "queued",
        attempt: 0,
        finishedAt: null,
      });
      await expect(f.store.replay(job!.id, f.clock.now())).rejects.toThrow(InvalidStateError);
      const [again] = await claim("t", 1, "w1", 1);
      expect(again).toMatchObject({ fence: 2, attempt: 1 });
    });

    it("replays every dead job matching a filter and says how many", async () => {
      await enqueue("a", {}, { tags: ["x"] });
      await enqueue("a");
      await enqueue("b", {}, { tags: ["x"] });
      const jobs = await f.store.claim({
        workerId: "w",
        now: f.clock.now(),
        leaseMs: LEASE,
        tasks: [claimAll("a"), claimAll("b")],
        queues: null,
        limit: 10,
      });
      const error = { code: "E", name: "E", message: "m", attempt: 1, at: "x" };
      await f.store.fail(
        jobs.map((j) => ({ id: j.id, fence: j.fence, state: "dead" as const, runAt: null, error })),
        f.clock.now(),
      );
      expect(await f.store.replayDead({ task: "a", tag: "x" }, f.clock.now())).toBe(1);
      expect(await f.store.replayDead({}, f.clock.now())).toBe(2);
      expect(await f.store.listJobs({ state: "dead" })).toHaveLength(0);
    });
  });

  describe("wake-up hints", () => {
    it("notifies listeners of new jobs with their earliest run_at, and of cancellations", async () => {
      const hints: WakeHint[] = [];
      const unsubscribe = await f.store.subscribe((hint) => hints.push(hint));
      await enqueue("t", {}, { delay: "3s" });
      const job = await enqueue("t");
      await claim();
      await f.store.cancel(job.id, f.clock.now());
      const deadline = Date.now() + 5000;
      while (hints.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await unsubscribe();
      expect(hints).toContainEqual({ kind: "jobs", runAt: f.clock.now() + 3000 });
      expect(hints).toContainEqual({ kind: "cancel", jobId: job.id });
    });
  });
});
