import { afterEach, describe, expect, it } from "vitest";
import { PermanentError, RetryAfterError } from "../../src/index.js";
import { backends } from "../support/backends.js";
import { aborted, openTestTaskFlow, until, type TaskFlowFixture } from "../support/taskflow-fixture.js";

describe.each(backends)("job outcomes on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const state = async (id: string) => (await f!.tf.getJob(id))?.state;

  it("runs a job and stores what its handler returned", async () => {
    f = await openTestTaskFlow(backend);
    const greet = f.tf.task<{ name: string }>("greet", {
      run: (ctx) => ({ greeting: `hello ${ctx.payload.name}` }),
    });
    await f.tf.start();
    const job = await f.tf.enqueue(greet, { name: "Ada" });
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded");
    expect(await f.tf.getJob(job.id)).toMatchObject({
      result: { greeting: "hello Ada" },
      attempt: 1,
      lastError: null,
    });
  });

  it("lets a handler destructure its context: every function keeps working unbound", async () => {
    f = await openTestTaskFlow(backend);
    const seen: unknown[] = [];
    const destructured = f.tf.task<{ n: number }>("destructured", {
      run: async (ctx) => {
        // Nothing of the worker (store, clock, lease) is reachable from the context.
        seen.push(Object.keys(ctx).sort());
        const { payload, attempt, idempotencyKey, signal, log, step, progress, dependencies } = ctx;
        const { info } = log;
        await info("starting", { n: payload.n });
        const doubled = await step("double", () => payload.n * 2);
        seen.push(attempt, idempotencyKey, signal.aborted, await progress({ half: true }));
        seen.push(Object.keys(await dependencies()).length);
        return { doubled };
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(destructured, { n: 21 });
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded");
    expect(seen).toEqual([["attempt", "job", "payload"], 1, `job:${job.id}`, false, true, 0]);
    expect(await f.tf.getJob(job.id)).toMatchObject({ result: { doubled: 42 }, progress: { half: true } });
    expect((await f.tf.jobLogs(job.id)).map((line) => line.message)).toEqual(["starting"]);
    expect((await f.tf.jobSteps(job.id)).map((s) => [s.name, s.result])).toEqual([["double", 42]]);
  });

  it("retries a failing job after the policy's delay and sends it to the dead-letter queue when attempts run out", async () => {
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" } });
    let runs = 0;
    const flaky = f.tf.task("flaky", {
      maxAttempts: 3,
      retry: { kind: "fixed", delay: "10s" },
      run: () => {
        runs++;
        throw new Error(`failure ${runs}`);
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(flaky, {});
    await until(() => runs === 1, "first attempt");
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "failure 1",
      "first failure recorded",
    );
    await f.clock.advance(9_999);
    expect(runs).toBe(1);
    await f.clock.advance(1);
    await until(() => runs === 2, "second attempt at its retry time");
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "failure 2",
      "second failure recorded",
    );
    await f.clock.advance(10_000);
    await until(async () => (await state(job.id)) === "dead", "job dead");
    const dead = await f.tf.getJob(job.id);
    expect(runs).toBe(3);
    expect(dead!.lastError).toMatchObject({
      code: "HANDLER_FAILED",
      name: "Error",
      message: "failure 3",
      attempt: 3,
    });
    expect(dead!.lastError!.stack).toContain("failure 3");
  });

  it("sends a job that throws PermanentError straight to dead", async () => {
    f = await openTestTaskFlow(backend);
    const bad = f.tf.task("bad", {
      maxAttempts: 5,
      run: () => Promise.reject(new PermanentError("invalid account")),
    });
    await f.tf.start();
    const job = await f.tf.enqueue(bad, {});
    await until(async () => (await state(job.id)) === "dead", "job dead");
    expect(await f.tf.getJob(job.id)).toMatchObject({
      attempt: 1,
      lastError: { code: "PERMANENT_FAILURE", message: "invalid account" },
    });
  });

  it("waits the delay a handler asks for with RetryAfterError", async () => {
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" } });
    let runs = 0;
    const limited = f.tf.task("limited", {
      retry: { kind: "fixed", delay: 1 },
      run: () => {
        if (++runs === 1) throw new RetryAfterError(60_000, "rate limited");
        return "ok";
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(limited, {});
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.code === "RETRY_AFTER",
      "retry recorded",
    );
    expect((await f.tf.getJob(job.id))!.runAt.getTime()).toBe(f.clock.now() + 60_000);
    await f.clock.advance(59_999);
    expect(runs).toBe(1);
    await f.clock.advance(1);
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded after the delay");
  });

  it("aborts the handler's signal at its timeout and counts the attempt as failed", async () => {
    f = await openTestTaskFlow(backend);
    let reason: unknown;
    const slow = f.tf.task("slow", {
      timeout: "5s",
      maxAttempts: 1,
      run: async (ctx) => {
        try {
          await aborted(ctx.signal);
        } catch (error) {
          reason = error;
          throw error;
        }
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(slow, {});
    await until(async () => (await state(job.id)) === "running", "job running");
    await f.clock.advance(5_000);
    await until(async () => (await state(job.id)) === "dead", "job failed");
    expect(reason).toMatchObject({ code: "JOB_TIMEOUT" });
    expect((await f.tf.getJob(job.id))!.lastError).toMatchObject({ code: "JOB_TIMEOUT", attempt: 1 });
  });

  it("a job's own timeout overrides the task's", async () => {
    f = await openTestTaskFlow(backend);
    const slow = f.tf.task("slow", { timeout: "1h", maxAttempts: 1, run: (ctx) => aborted(ctx.signal) });
    await f.tf.start();
    const job = await f.tf.enqueue(slow, {}, { timeout: "2s" });
    await until(async () => (await state(job.id)) === "running", "job running");
    await f.clock.advance(2_000);
    await until(async () => (await state(job.id)) === "dead", "job timed out at 2s");
  });

  it("cancels a running job by aborting its handler's signal", async () => {
    f = await openTestTaskFlow(backend);
    const waits = f.tf.task("waits", { run: (ctx) => aborted(ctx.signal) });
    await f.tf.start();
    const job = await f.tf.enqueue(waits, {});
    await until(async () => (await state(job.id)) === "running", "job running");
    expect(await f.tf.cancel(job.id)).toMatchObject({ state: "running", cancelRequested: true });
    await until(async () => (await state(job.id)) === "cancelled", "job cancelled");
    expect((await f.tf.getJob(job.id))!.lastError).toMatchObject({ code: "JOB_CANCELLED" });
  });

  it("commits the handler's business writes together with the job's completion", async () => {
    f = await openTestTaskFlow(backend);
    const store = f.tf.store as unknown as {
      driver: { query(sql: string, params?: unknown[]): Promise<unknown> };
    };
    await store.driver.query("CREATE TABLE payments (job_id bigint, amount int)");
    const pay = f.tf.task<{ amount: number }>("pay", {
      run: (ctx) =>
        ctx.transaction(async (tx) => {
          await tx.query("INSERT INTO payments VALUES ($1, $2)", [ctx.job.id, ctx.payload.amount]);
          return "paid";
        }),
    });
    await f.tf.start();
    const job = await f.tf.enqueue(pay, { amount: 42 });
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded");
    expect((await f.tf.getJob(job.id))!.result).toBe("paid");
  });

  it("stores the handler's log lines and progress with the job", async () => {
    f = await openTestTaskFlow(backend);
    const chatty = f.tf.task("chatty", {
      run: async (ctx) => {
        await ctx.log.info("starting", { step: 1 });
        await ctx.progress({ percent: 50 });
        await ctx.log.warn("half way");
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(chatty, {});
    await until(async () => (await state(job.id)) === "succeeded", "job succeeded");
    expect((await f.tf.getJob(job.id))!.progress).toEqual({ percent: 50 });
    expect(await f.tf.jobLogs(job.id)).toMatchObject([
      { attempt: 1, level: "info", message: "starting", data: { step: 1 } },
      { attempt: 1, level: "warn", message: "half way", data: null },
    ]);
  });

  it("replays a dead job with a fresh budget and it can then succeed", async () => {
    f = await openTestTaskFlow(backend);
    let fail = true;
    const fragile = f.tf.task("fragile", {
      maxAttempts: 1,
      run: () => {
        if (fail) throw new Error("downstream down");
        return "recovered";
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(fragile, {});
    await until(async () => (await state(job.id)) === "dead", "job dead");
    fail = false;
    expect(await f.tf.replayDead({ task: "fragile" })).toBe(1);
    await until(async () => (await state(job.id)) === "succeeded", "replayed job succeeded");
    expect((await f.tf.getJob(job.id))!.attempt).toBe(1);
  });
});
