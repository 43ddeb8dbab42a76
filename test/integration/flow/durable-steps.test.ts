import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../../support/backends.js";
import { newJob } from "../../support/store-fixture.js";
import { openTestTaskFlow, until, type TaskFlowFixture } from "../../support/taskflow-fixture.js";

describe.each(backends)("durable steps (ctx.step) on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const state = async (id: string) => (await f!.tf.getJob(id))?.state;

  it("skips completed steps on a retry and returns their recorded results", async () => {
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" } });
    const runs: string[] = [];
    let attempt = 0;
    const order = f.tf.task<{ sku: string }>("order", {
      maxAttempts: 3,
      retry: { kind: "fixed", delay: "5s" },
      run: async (ctx) => {
        attempt = ctx.attempt;
        const reserved = await ctx.step("reserve", () => {
          runs.push(`reserve@${ctx.attempt}`);
          return { reservation: `r-${ctx.payload.sku}`, at: ctx.attempt };
        });
        const charged = await ctx.step("charge", (info) => {
          runs.push(`charge@${ctx.attempt}`);
          if (ctx.attempt === 1) throw new Error("card network down");
          return { charge: info.key };
        });
        return { reserved, charged };
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(order, { sku: "A1" });
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "card network down",
      "attempt 1 failed",
    );
    await f.clock.advance(5_000);
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded");
    expect(attempt).toBe(2);
    expect(runs).toEqual(["reserve@1", "charge@1", "charge@2"]);
    expect((await f.tf.getJob(job.id))!.result).toEqual({
      reserved: { reservation: "r-A1", at: 1 },
      charged: { charge: `job:${job.id}:charge` },
    });
    const steps = await f.tf.jobSteps(job.id);
    expect(steps.map((s) => [s.name, s.fence])).toEqual([
      ["reserve", 1],
      ["charge", 2],
    ]);
  });

  it("fails the job for good when a step name is used twice in one run", async () => {
    f = await openTestTaskFlow(backend);
    const twice = f.tf.task("twice", {
      maxAttempts: 5,
      run: async (ctx) => {
        await ctx.step("send", () => 1);
        await ctx.step("send", () => 2);
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(twice, {});
    await until(async () => (await state(job.id)) === "dead", "job dead");
    expect((await f.tf.getJob(job.id))!).toMatchObject({
      attempt: 1,
      lastError: { code: "DUPLICATE_STEP" },
    });
  });

  it("rejects an empty step name without retrying", async () => {
    f = await openTestTaskFlow(backend);
    const unnamed = f.tf.task("unnamed", { maxAttempts: 5, run: (ctx) => ctx.step("", () => 1) });
    await f.tf.start();
    const job = await f.tf.enqueue(unnamed, {});
    await until(async () => (await state(job.id)) === "dead", "job dead");
    expect((await f.tf.getJob(job.id))!.lastError).toMatchObject({ code: "INVALID_STEP_NAME" });
  });

  it("commits a transactional step's writes with its record, and never runs it again", async () => {
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" } });
    let calls = 0;
    const ledger = f.tf.task("ledger", {
      maxAttempts: 3,
      retry: { kind: "fixed", delay: "1s" },
      run: async (ctx) => {
        await ctx.transactionalStep("create", async (tx) => {
          await tx.query("CREATE TABLE IF NOT EXISTS step_ledger (job text, step text)");
        });
        await ctx.transactionalStep("write", async (tx, info) => {
          calls++;
          await tx.query("INSERT INTO step_ledger VALUES ($1, $2)", [ctx.job.id, info.name]);
          // The write and the step's record roll back together on the first attempt.
          if (ctx.attempt === 1) throw new Error("crash inside the step");
          return "written";
        });
        // ctx.transaction's return value is what the job's success records.
        return ctx.transaction(
          async (tx) => (await tx.query("SELECT count(*)::int AS n FROM step_ledger")).rows[0],
        );
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(ledger, {});
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "crash inside the step",
      "attempt 1 failed",
    );
    await f.clock.advance(1_000);
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded");
    expect(calls).toBe(2);
    expect((await f.tf.getJob(job.id))!.result).toEqual({ n: 1 });
    expect((await f.tf.jobSteps(job.id)).map((s) => [s.name, s.result])).toEqual([
      ["create", null],
      ["write", "written"],
    ]);
  });

  it("gives a scheduled occurrence an idempotency key naming the occurrence", async () => {
    f = await openTestTaskFlow(backend);
    const keys: string[] = [];
    f.tf.task("tick", { run: (ctx) => void keys.push(ctx.idempotencyKey) });
    const startAt = new Date(Math.ceil((f.clock.now() + 1_000) / 1_000) * 1_000);
    await f.tf.schedule("every-minute", { task: "tick", every: "1m", startAt });
    await f.tf.start();
    await f.clock.advance(startAt.getTime() - f.clock.now());
    await until(() => keys.length === 1, "first occurrence ran");
    expect(keys[0]).toBe(`every-minute@${startAt.toISOString()}`);
  });

  it("refuses a stale attempt's step record", async () => {
    f = await openTestTaskFlow(backend);
    const store = f.tf.store;
    const [queued] = await store.enqueue([newJob("t", {}, {}, f.clock.now())], f.clock.now());
    const [claimed] = await store.claim({
      workerId: "w",
      now: f.clock.now(),
      leaseMs: 30_000,
      tasks: [{ task: "t", limit: 1, maxAttempts: 3, timeoutMs: null }],
      queues: null,
      limit: 1,
    });
    expect(claimed!.id).toBe(queued!.job.id);
    const lease = { id: claimed!.id, fence: claimed!.fence };
    expect(await store.flow.recordStep({ ...lease, fence: lease.fence + 1 }, "a", "1", f.clock.now())).toBe(
      false,
    );
    expect(await store.flow.recordStep(lease, "a", "1", f.clock.now())).toBe(true);
    // The first record wins: a second write of the same step keeps the first result.
    expect(await store.flow.recordStep(lease, "a", "2", f.clock.now())).toBe(true);
    expect((await store.flow.listSteps(lease.id)).map((s) => s.result)).toEqual([1]);
  });
});
