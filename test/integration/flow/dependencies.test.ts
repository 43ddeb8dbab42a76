// Dependencies between jobs and flows, on every backend. Time moves only through the fake clock.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, type TaskFlowError } from "../../../src/index.js";
import type { TaskFlow } from "../../../src/taskflow.js";
import { backends } from "../../support/backends.js";
import {
  advanceUntil,
  gate,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../../support/taskflow-fixture.js";

describe.each(backends)("dependencies between jobs on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const stateOf = async (tf: TaskFlow, id: string) => (await tf.getJob(id))?.state;
  const settled = (tf: TaskFlow, ids: string[]) => async () => {
    const states = await Promise.all(ids.map((id) => stateOf(tf, id)));
    return states.every((s) => s !== undefined && !["waiting", "queued", "running"].includes(s));
  };
  const codeOf = async (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => (error as TaskFlowError).code,
    );

  /** A node whose tasks record the order they ran in; `fail` names payloads that fail for good. */
  async function open() {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 4 } });
    const ran: string[] = [];
    const step = f.tf.task<{ name: string; fail?: boolean }>("step", {
      maxAttempts: 1,
      run: async (ctx) => {
        ran.push(ctx.payload.name);
        if (ctx.payload.fail === true) throw new Error(`${ctx.payload.name} broke`);
        const deps = await ctx.dependencies();
        const inputs = Object.values(deps)
          .filter((d, i, all) => all.indexOf(d) === i)
          .map((d) => (typeof d.result === "string" ? d.result : d.state))
          .sort();
        return inputs.length === 0 ? ctx.payload.name : `${ctx.payload.name}(${inputs.join(",")})`;
      },
    });
    return { tf: f.tf, ran, step };
  }

  it("holds a job waiting until its dependency succeeds, then runs it with the dependency's result", async () => {
    const { tf, step } = await open();
    const first = await tf.enqueue(step, { name: "a" });
    const second = await tf.enqueue(step, { name: "b" }, { dependsOn: [first.id] });
    expect(second.state).toBe("waiting");
    expect(await tf.listJobs({ state: "waiting" })).toMatchObject([{ id: second.id }]);
    await tf.start();
    await until(settled(tf, [second.id]), "b finished");
    expect(await tf.getJob(second.id)).toMatchObject({ state: "succeeded", result: "b(a)" });
    expect(await tf.jobDependencies(second.id)).toMatchObject({
      dependencies: [{ jobId: first.id, task: "step", state: "succeeded", onFailure: "fail", result: "a" }],
      dependents: [],
    });
    expect((await tf.jobDependencies(first.id))?.dependents).toMatchObject([{ jobId: second.id }]);
  });

  it("runs a diamond flow in order: fan-out from one job, fan-in to one, results by flow name", async () => {
    const { tf, ran, step } = await open();
    const jobs = await tf.flow({
      jobs: {
        top: { task: step, payload: { name: "top" } },
        left: { task: step, payload: { name: "left" }, dependsOn: ["top"] },
        right: { task: step, payload: { name: "right" }, dependsOn: ["top"] },
        bottom: { task: step, payload: { name: "bottom" }, dependsOn: ["left", "right"] },
      },
    });
    expect(Object.keys(jobs)).toEqual(["top", "left", "right", "bottom"]);
    expect(jobs.top!.state).toBe("queued");
    expect([jobs.left!.state, jobs.right!.state, jobs.bottom!.state]).toEqual([
      "waiting",
      "waiting",
      "waiting",
    ]);
    await tf.start();
    const ids = Object.values(jobs).map((j) => j.id);
    await until(settled(tf, ids), "the flow finished");
    expect(ran[0]).toBe("top");
    expect(ran[3]).toBe("bottom");
    expect(await tf.getJob(jobs.bottom!.id)).toMatchObject({
      state: "succeeded",
      result: "bottom(left(top),right(top))",
    });
  });

  it("lets a handler read its dependencies by flow name and by job id", async () => {
    f = await openTestTaskFlow(backend);
    const seen: Record<string, unknown>[] = [];
    const produce = f.tf.task<number>("produce", { run: (ctx) => ({ n: ctx.payload }) });
    const consume = f.tf.task("consume", {
      run: async (ctx) => {
        const deps = await ctx.dependencies();
        seen.push({ byName: deps.extract?.result, byId: deps[deps.extract!.jobId]?.result });
      },
    });
    const jobs = await f.tf.flow({
      jobs: {
        extract: { task: produce, payload: 7 },
        load: { task: consume, payload: null, dependsOn: ["extract"] },
      },
    });
    await f.tf.start();
    await until(settled(f.tf, [jobs.load!.id]), "load finished");
    expect(seen).toEqual([{ byName: { n: 7 }, byId: { n: 7 } }]);
  });

  it("follows each edge's policy when a dependency fails, and cascades two levels deep", async () => {
    const { tf, ran, step } = await open();
    const jobs = await tf.flow({
      jobs: {
        broken: { task: step, payload: { name: "broken", fail: true } },
        failing: { task: step, payload: { name: "failing" }, dependsOn: ["broken"] },
        skipping: {
          task: step,
          payload: { name: "skipping" },
          dependsOn: [{ job: "broken", onFailure: "skip" }],
        },
        going: {
          task: step,
          payload: { name: "going" },
          dependsOn: [{ job: "broken", onFailure: "continue" }],
        },
        // level two: after a dead and after a skipped dependent
        afterFailing: { task: step, payload: { name: "afterFailing" }, dependsOn: ["failing"] },
        afterSkipping: {
          task: step,
          payload: { name: "afterSkipping" },
          dependsOn: [{ job: "skipping", onFailure: "skip" }],
        },
        continuesAfterDead: {
          task: step,
          payload: { name: "continuesAfterDead" },
          dependsOn: [{ job: "failing", onFailure: "continue" }],
        },
      },
    });
    await tf.start();
    await until(
      settled(
        tf,
        Object.values(jobs).map((j) => j.id),
      ),
      "the flow finished",
    );
    const job = async (name: string) => tf.getJob(jobs[name]!.id);
    expect(await job("broken")).toMatchObject({ state: "dead" });
    expect(await job("failing")).toMatchObject({
      state: "dead",
      attempt: 0,
      lastError: { code: ErrorCode.DependencyFailed },
    });
    expect((await job("failing"))?.lastError?.message).toContain(
      `dependency ${jobs.broken!.id} (broken) ended dead`,
    );
    expect(await job("skipping")).toMatchObject({
      state: "skipped",
      lastError: { code: "DEPENDENCY_SKIPPED" },
    });
    expect(await job("going")).toMatchObject({ state: "succeeded", result: "going(dead)" });
    expect(await job("afterFailing")).toMatchObject({
      state: "dead",
      lastError: { code: "DEPENDENCY_FAILED" },
    });
    expect((await job("afterFailing"))?.lastError?.message).toContain("(failing) ended dead");
    expect(await job("afterSkipping")).toMatchObject({ state: "skipped" });
    expect(await job("continuesAfterDead")).toMatchObject({
      state: "succeeded",
      result: "continuesAfterDead(dead)",
    });
    expect([...ran].sort()).toEqual(["broken", "continuesAfterDead", "going"]);
  });

  it("resolves at once a job whose dependencies had already finished when it was enqueued", async () => {
    const { tf, step } = await open();
    await tf.start();
    const done = await tf.enqueue(step, { name: "done" });
    const broken = await tf.enqueue(step, { name: "broken", fail: true });
    await until(settled(tf, [done.id, broken.id]), "both finished");
    const later = f!.clock.now() + 60_000;
    const ok = await tf.enqueue(step, { name: "ok" }, { dependsOn: [done.id], runAt: new Date(later) });
    expect(ok).toMatchObject({ state: "queued" });
    expect(ok.runAt.getTime()).toBe(later);
    const skipped = await tf.enqueue(
      step,
      { name: "s" },
      { dependsOn: [{ job: broken.id, onFailure: "skip" }] },
    );
    expect(skipped).toMatchObject({ state: "skipped", lastError: { code: "DEPENDENCY_SKIPPED" } });
    const dead = await tf.enqueue(step, { name: "d" }, { dependsOn: [done.id, broken.id] });
    expect(dead).toMatchObject({ state: "dead", lastError: { code: "DEPENDENCY_FAILED" } });
  });

  it("refuses an unknown dependency, a cycle and a name outside the flow, writing nothing", async () => {
    const { tf, step } = await open();
    const real = await tf.enqueue(step, { name: "real" });
    expect(await codeOf(tf.enqueue(step, { name: "x" }, { dependsOn: [real.id, "987654321"] }))).toBe(
      ErrorCode.DependencyNotFound,
    );
    expect(await codeOf(tf.enqueue(step, { name: "x" }, { dependsOn: ["not-an-id"] }))).toBe(
      ErrorCode.DependencyNotFound,
    );
    expect(
      await codeOf(
        tf.enqueueMany([
          { task: step, payload: { name: "fine" } },
          { task: step, payload: { name: "x" }, options: { dependsOn: ["987654321"] } },
        ]),
      ),
    ).toBe(ErrorCode.DependencyNotFound);
    const cycle = tf.flow({
      jobs: {
        a: { task: step, payload: { name: "a" }, dependsOn: ["c"] },
        b: { task: step, payload: { name: "b" }, dependsOn: ["a"] },
        c: { task: step, payload: { name: "c" }, dependsOn: ["b"] },
        d: { task: step, payload: { name: "d" } },
      },
    });
    await expect(cycle).rejects.toMatchObject({
      code: ErrorCode.FlowCycle,
      message: "the flow has a cycle: a → c → b → a",
    });
    expect(
      await codeOf(tf.flow({ jobs: { a: { task: step, payload: { name: "a" }, dependsOn: ["a"] } } })),
    ).toBe(ErrorCode.FlowCycle);
    const unknownName = tf.flow({
      jobs: { load: { task: step, payload: { name: "l" }, dependsOn: ["transfrom"] } },
    });
    await expect(unknownName).rejects.toMatchObject({ code: ErrorCode.InvalidFlow });
    await expect(unknownName).rejects.toThrow(/depends on "transfrom", which is not a job of the flow/);
    expect(await tf.listJobs()).toMatchObject([{ id: real.id }]);
  });

  it("cancels a waiting job, and its dependents follow their edges", async () => {
    const { tf, step } = await open();
    const jobs = await tf.flow({
      jobs: {
        held: { task: step, payload: { name: "held" }, options: { delay: "1h" } },
        waiting: { task: step, payload: { name: "waiting" }, dependsOn: ["held"] },
        after: { task: step, payload: { name: "after" }, dependsOn: [{ job: "waiting", onFailure: "skip" }] },
      },
    });
    const cancelled = await tf.cancel(jobs.waiting!.id);
    expect(cancelled).toMatchObject({ state: "cancelled" });
    expect(await stateOf(tf, jobs.after!.id)).toBe("skipped");
    expect(await stateOf(tf, jobs.held!.id)).toBe("queued");
  });

  it("resolves the dependents of a job whose worker died, once the reaper takes it back", async () => {
    f = await openTestTaskFlow(backend, { worker: { workerId: "node-a", reapInterval: "1s" } });
    const tf = f.tf;
    const doomed = tf.task("doomed", { maxAttempts: 1, run: () => "never" });
    const after = tf.task("after", { run: () => "ran" });
    const jobs = await tf.flow({
      jobs: {
        doomed: { task: doomed, payload: null },
        failing: { task: after, payload: null, dependsOn: ["doomed"] },
        going: { task: after, payload: null, dependsOn: [{ job: "doomed", onFailure: "continue" }] },
      },
    });
    // A worker that claimed the job and died without a word.
    await tf.store.claim({
      workerId: "ghost",
      now: f.clock.now(),
      leaseMs: 2_000,
      tasks: [{ task: "doomed", limit: 1, maxAttempts: 1, timeoutMs: null }],
      queues: null,
      limit: 1,
    });
    await tf.start();
    await advanceUntil(
      f.clock,
      500,
      10_000,
      settled(
        tf,
        Object.values(jobs).map((j) => j.id),
      ),
      "reaped and resolved",
    );
    expect(await tf.getJob(jobs.doomed!.id)).toMatchObject({
      state: "dead",
      lastError: { code: "LEASE_EXPIRED" },
    });
    expect(await tf.getJob(jobs.failing!.id)).toMatchObject({
      state: "dead",
      lastError: { code: "DEPENDENCY_FAILED" },
    });
    expect(await tf.getJob(jobs.going!.id)).toMatchObject({ state: "succeeded", result: "ran" });
  });

  it("resolves the dependents of a saga once it is compensated, by their edges", async () => {
    // A reap interval of an hour: only the resolution after the saga's own write can do it.
    f = await openTestTaskFlow(backend, { worker: { reapInterval: "1h" } });
    const tf = f.tf;
    const transfer = tf.saga("transfer", {
      maxAttempts: 1,
      steps: [
        { name: "debit", run: () => "debited", compensate: () => undefined },
        {
          name: "call-bank",
          run: () => {
            throw new Error("bank unreachable");
          },
          compensate: () => undefined,
        },
      ],
    });
    const notify = tf.task("notify", { run: () => "sent" });
    const jobs = await tf.flow({
      jobs: {
        transfer: { task: transfer, payload: null },
        receipt: { task: notify, payload: null, dependsOn: [{ job: "transfer", onFailure: "skip" }] },
        audit: { task: notify, payload: null, dependsOn: [{ job: "transfer", onFailure: "continue" }] },
      },
    });
    await tf.start();
    await until(
      settled(
        tf,
        Object.values(jobs).map((j) => j.id),
      ),
      "the flow finished",
    );
    expect(await stateOf(tf, jobs.transfer!.id)).toBe("compensated");
    expect(await tf.getJob(jobs.receipt!.id)).toMatchObject({
      state: "skipped",
      lastError: { code: "DEPENDENCY_SKIPPED" },
    });
    expect((await tf.getJob(jobs.receipt!.id))?.lastError?.message).toContain("ended compensated");
    expect(await tf.getJob(jobs.audit!.id)).toMatchObject({ state: "succeeded", result: "sent" });
  });

  it("resolves waiting jobs a crash left behind at the next maintenance sweep", async () => {
    f = await openTestTaskFlow(backend, { worker: { reapInterval: "1s" } });
    const tf = f.tf;
    const step = tf.task("step", { run: () => "ok" });
    const jobs = await tf.flow({
      jobs: { a: { task: step, payload: null }, b: { task: step, payload: null, dependsOn: ["a"] } },
    });
    // As if the node died after `a`'s finishing write and before resolving `b`.
    await (
      tf.store as unknown as { driver: { query(sql: string, params: unknown[]): Promise<unknown> } }
    ).driver.query(
      "UPDATE jobs SET state = 'succeeded', result = '\"ok\"', finished_at = now() WHERE id = $1",
      [jobs.a!.id],
    );
    expect(await stateOf(tf, jobs.b!.id)).toBe("waiting");
    await tf.start();
    await advanceUntil(f.clock, 500, 5_000, settled(tf, [jobs.b!.id]), "b resolved by the sweep");
    expect(await tf.getJob(jobs.b!.id)).toMatchObject({ state: "succeeded" });
  });

  it("keeps a finished dependency through retention while its dependent has not finished", async () => {
    const { tf, step } = await open();
    const held = gate();
    const slow = tf.task("slow", { run: () => held.promise });
    const first = await tf.enqueue(step, { name: "first" });
    await tf.start();
    await until(settled(tf, [first.id]), "first finished");
    const second = await tf.enqueue(slow, null, { dependsOn: [first.id] });
    await until(async () => (await stateOf(tf, second.id)) === "running", "second running");
    expect(await tf.store.maintenance.pruneFinishedJobs(f!.clock.now() + 1_000, 0, 100)).toBe(0);
    held.open();
    await until(settled(tf, [second.id]), "second finished");
    expect(await tf.store.maintenance.pruneFinishedJobs(f!.clock.now() + 1_000, 0, 100)).toBe(2);
    expect(await tf.jobDependencies(second.id)).toBeNull();
  });
});
