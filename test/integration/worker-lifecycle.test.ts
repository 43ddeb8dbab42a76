import { afterEach, describe, expect, it } from "vitest";
import { InvalidInputError, LeaseLostError, type TaskFlow } from "../../src/index.js";
import { backends } from "../support/backends.js";
import {
  aborted,
  advanceUntil,
  gate,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../support/taskflow-fixture.js";

const driverOf = (tf: TaskFlow) =>
  (
    tf.store as unknown as {
      driver: { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }> };
    }
  ).driver;

describe.each(backends)("worker lifecycle on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });
  const state = async (id: string) => (await f!.tf.getJob(id))?.state;

  it("starts a delayed job on its local timer, not before, without waiting for a poll", async () => {
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" } });
    let started = 0;
    const later = f.tf.task("later", { run: () => void started++ });
    await f.tf.start();
    const job = await f.tf.enqueue(later, {}, { delay: "10s" });
    await until(() => f!.clock.pendingTimers >= 3, "wake-up timer armed");
    await f.clock.advance(9_949);
    expect(await state(job.id)).toBe("queued");
    // 50 ms before it is due the worker claims it, and holds it until then.
    await f.clock.advance(1);
    await until(async () => (await state(job.id)) === "running", "claimed ahead of its time");
    await f.clock.advance(49);
    expect(started).toBe(0);
    await f.clock.advance(1);
    await until(async () => (await state(job.id)) === "succeeded", "job ran at its time");
    expect(started).toBe(1);
    expect((await f.tf.getJob(job.id))?.startedAt?.getTime()).toBe(job.runAt.getTime());
  });

  it("never runs more attempts of a task at once than its concurrency", async () => {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 10 } });
    const release = gate();
    let running = 0;
    let most = 0;
    const limited = f.tf.task("limited", {
      concurrency: 2,
      run: async () => {
        most = Math.max(most, ++running);
        await release.promise;
        running--;
      },
    });
    await f.tf.start();
    const jobs = await f.tf.enqueueMany(Array.from({ length: 6 }, () => ({ task: limited, payload: {} })));
    await until(() => running === 2, "two running");
    expect((await f.tf.listJobs({ state: "running" })).length).toBe(2);
    release.open();
    await until(
      async () => (await f!.tf.listJobs({ state: "succeeded" })).length === jobs.length,
      "all done",
    );
    expect(most).toBe(2);
  });

  it("lets a running job finish and records it when stopping within the drain timeout", async () => {
    f = await openTestTaskFlow(backend, { worker: { drainTimeout: "10s" } });
    const release = gate();
    const task = f.tf.task("finishing", { run: () => release.promise.then(() => "finished") });
    await f.tf.start();
    const job = await f.tf.enqueue(task, {});
    await until(async () => (await state(job.id)) === "running", "job running");
    const stopping = f.tf.stop();
    release.open();
    await stopping;
    const restarted = await f.restart();
    expect(await restarted.getJob(job.id)).toMatchObject({
      state: "succeeded",
      result: "finished",
      attempt: 1,
    });
  });

  it("releases a job still running at the drain timeout, refunding its attempt, so another node takes it at once", async () => {
    f = await openTestTaskFlow(backend, { worker: { drainTimeout: "5s" } });
    let signalReason: unknown;
    const released = gate();
    let lateWrite: Promise<boolean> | undefined;
    const stubborn = f.tf.task("stubborn", {
      maxAttempts: 1,
      run: async (ctx) => {
        await aborted(ctx.signal).catch((error: unknown) => (signalReason = error));
        await released.promise;
        lateWrite = ctx.progress("written after release");
        await lateWrite.catch(() => undefined);
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(stubborn, {});
    await until(async () => (await state(job.id)) === "running", "job running");
    let stopped = false;
    const stopping = f.tf.stop().then(() => (stopped = true));
    for (let waited = 0; !stopped && waited < 10_000; waited += 500) {
      expect(signalReason === undefined || waited >= 5_000).toBe(true);
      await f.clock.advance(500);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await stopping;
    expect(signalReason).toMatchObject({ code: "WORKER_SHUTDOWN" });
    const restarted = await f.restart();
    released.open();
    await until(() => lateWrite !== undefined, "handler tried a late write");
    expect(await lateWrite!.catch(() => false)).toBe(false);
    expect(await restarted.getJob(job.id)).toMatchObject({
      state: "queued",
      attempt: 0,
      progress: null,
      leaseOwner: null,
    });
    // Another node picks it up at once, with the full budget of one attempt.
    restarted.task("stubborn", { maxAttempts: 1, run: () => "done elsewhere" });
    await restarted.start();
    await until(
      async () => (await restarted.getJob(job.id))?.state === "succeeded",
      "job taken by the next node",
    );
  });

  it("gives back the jobs it claimed ahead when it stops, their attempts refunded", async () => {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 1, prefetch: 3 } });
    const release = gate();
    let started = 0;
    const task = f.tf.task("buffered", {
      run: async () => {
        started++;
        await release.promise;
      },
    });
    await f.tf.start();
    await f.tf.enqueueMany(Array.from({ length: 4 }, () => ({ task, payload: {} })));
    await until(
      async () => (await f!.tf.listJobs({ state: "running" })).length === 4,
      "one running, three buffered",
    );
    expect(started).toBe(1);
    const stopping = f.tf.stop();
    release.open();
    await stopping;
    expect(started).toBe(1);
    const restarted = await f.restart();
    const jobs = await restarted.listJobs();
    expect(jobs.map((j) => [j.state, j.attempt]).sort()).toEqual([
      ["queued", 0],
      ["queued", 0],
      ["queued", 0],
      ["succeeded", 1],
    ]);
  });

  it("aborts a handler whose lease was taken over and refuses its writes", async () => {
    f = await openTestTaskFlow(backend, { worker: { leaseDuration: "30s" } });
    const resumed = gate();
    const writes: { progress?: boolean; transaction?: unknown } = {};
    let reason: unknown;
    const task = f.tf.task("taken-over", {
      run: async (ctx) => {
        await aborted(ctx.signal).catch((error: unknown) => (reason = error));
        writes.progress = await ctx.progress("stale");
        writes.transaction = await ctx
          .transaction(() => Promise.resolve("stale"))
          .catch((error: unknown) => error);
        resumed.open();
        return "stale result";
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(task, {});
    await until(async () => (await state(job.id)) === "running", "job running");
    // Another worker reclaimed the job meanwhile (as after a pause past the lease): the fence moved on.
    await driverOf(f.tf).query(
      "UPDATE jobs SET attempt = attempt + 1, lease_owner = 'other-node' WHERE id = $1",
      [job.id],
    );
    await f.clock.advance(10_000); // the next heartbeat finds the lease gone
    await resumed.promise;
    expect(reason).toBeInstanceOf(LeaseLostError);
    expect(writes.progress).toBe(false);
    expect(writes.transaction).toBeInstanceOf(LeaseLostError);
    const after = await f.tf.getJob(job.id);
    expect(after).toMatchObject({ state: "running", leaseOwner: "other-node", progress: null, result: null });
  });

  it("takes over the job of a worker that died, once its lease expires", async () => {
    f = await openTestTaskFlow(backend, { worker: { leaseDuration: "30s", reapInterval: "1s" } });
    const task = f.tf.task("orphan", { run: () => "rescued" });
    const job = await f.tf.enqueue(task, {});
    // A worker that claims the job and then dies without a word.
    const [claimed] = await f.tf.store.claim({
      workerId: "dead-node",
      now: f.clock.now(),
      leaseMs: 30_000,
      tasks: [{ task: "orphan", limit: 1, maxAttempts: 3, timeoutMs: null }],
      queues: null,
      limit: 1,
    });
    expect(claimed!.id).toBe(job.id);
    await f.tf.start();
    await f.clock.advance(29_000);
    expect(await state(job.id)).toBe("running");
    await advanceUntil(
      f.clock,
      1_000,
      30_000,
      async () => (await state(job.id)) === "succeeded",
      "job rescued",
    );
    expect(await f.tf.getJob(job.id)).toMatchObject({
      result: "rescued",
      attempt: 2,
      lastError: { code: "LEASE_EXPIRED", attempt: 1 },
    });
  });

  it("refuses bad input with a stable code and writes nothing", async () => {
    f = await openTestTaskFlow(backend);
    const ok = f.tf.task("ok", { run: () => undefined });
    const cases: [() => Promise<unknown>, string][] = [
      [() => f!.tf.enqueue("typo", {}), "UNKNOWN_TASK"],
      [() => f!.tf.enqueue(ok, { text: "nul\0byte" }), "INVALID_PAYLOAD"],
      [() => f!.tf.enqueue(ok, { n: 10n }), "INVALID_PAYLOAD"],
      [() => f!.tf.enqueue(ok, {}, { delay: -5 }), "INVALID_DURATION"],
      [() => f!.tf.enqueue(ok, {}, { delay: "soon" }), "INVALID_DURATION"],
      [() => f!.tf.enqueue(ok, {}, { maxAttempts: 0 }), "INVALID_OPTION"],
      [
        () =>
          f!.tf.enqueueMany([
            { task: ok, payload: {} },
            { task: ok, payload: () => 1 },
          ]),
        "INVALID_PAYLOAD",
      ],
    ];
    for (const [call, code] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).code).toBe(code);
      expect((error as Error).message.length).toBeGreaterThan(20);
    }
    expect(await f.tf.listJobs()).toEqual([]);
  });

  it("gives every enqueue with the same idempotency key the same job, within one call and across calls", async () => {
    f = await openTestTaskFlow(backend);
    const ok = f.tf.task("ok", { run: () => undefined });
    const [a, b] = await f.tf.enqueueMany([
      { task: ok, payload: { n: 1 }, options: { idempotencyKey: "order-7" } },
      { task: ok, payload: { n: 2 }, options: { idempotencyKey: "order-7" } },
    ]);
    const c = await f.tf.enqueue(ok, { n: 3 }, { idempotencyKey: "order-7" });
    expect([a!.created, b!.created, c.created]).toEqual([true, false, false]);
    expect(new Set([a!.id, b!.id, c.id]).size).toBe(1);
    expect(await f.tf.listJobs()).toHaveLength(1);
  });
});
