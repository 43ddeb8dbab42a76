// Circuit breakers on the fake clock: time moves only through `clock.advance`; polls are an hour
// apart, so only the timer armed for a breaker's probe time can start the probe.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/index.js";
import { backends } from "../../support/backends.js";
import { openTestTaskFlow, until, type TaskFlowFixture } from "../../support/taskflow-fixture.js";

const JOBS = 12;

describe.each(backends)("circuit breakers on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const open = () =>
    openTestTaskFlow(backend, { worker: { concurrency: 1, prefetch: 0, pollInterval: "1h" } });
  const breakers = async () => f!.tf.circuitBreakers();
  /** Moves the clock in 1 s steps for `ms`, letting each step's claims run. */
  const wait = async (ms: number) => {
    for (let moved = 0; moved < ms; moved += 1_000) await f!.clock.advance(1_000);
  };

  it("holds a failing task's jobs once it opens, lets one probe through after openFor, and resumes on its success", async () => {
    f = await open();
    let down = true;
    const starts: number[] = [];
    const charge = f.tf.task<{ n: number }>("charge", {
      maxAttempts: 1,
      circuitBreaker: { consecutiveFailures: 3, openFor: "30s" },
      run: () => {
        starts.push(f!.clock.now());
        if (down) throw new Error("payment provider unavailable");
        return "charged";
      },
    });
    const jobs = await f.tf.enqueueMany(
      Array.from({ length: JOBS }, (_, n) => ({ task: charge, payload: { n } })),
    );
    await f.tf.start();
    await until(async () => (await breakers())[0]?.state === "open", "the breaker opened");
    // The slot frees as a handler returns, a moment before its failure is counted: a few more
    // jobs may start before the breaker opens. From then on, none does until the probe time.
    await until(
      async () => (await f!.tf.listJobs({ task: "charge", state: "running" })).length === 0,
      "idle",
    );
    const beforeOpen = starts.length;
    expect(beforeOpen).toBeGreaterThanOrEqual(3);
    expect(beforeOpen).toBeLessThan(JOBS - 1);
    const [opened] = await breakers();
    expect(opened).toMatchObject({ breaker: "task:charge", task: "charge", state: "open" });
    expect(opened!.lastError?.message).toBe("payment provider unavailable");
    const retryAt = opened!.retryAt!.getTime();

    await wait(retryAt - f.clock.now() - 1_000);
    expect(starts).toHaveLength(beforeOpen);
    const queued = await f.tf.listJobs({ task: "charge", state: "queued" });
    expect(queued.every((job) => job.attempt === 0)).toBe(true);

    // The probe time: exactly one job goes; it fails, and the breaker opens again.
    await wait(1_000);
    await until(() => starts.length === beforeOpen + 1, "one probe started");
    await until(async () => (await breakers())[0]?.state === "open", "open again after the failed probe");
    expect(starts[beforeOpen]).toBe(retryAt);
    await wait(10_000);
    expect(starts).toHaveLength(beforeOpen + 1);

    // The provider recovers: the next probe succeeds, the breaker closes, the rest run.
    down = false;
    const nextProbe = (await breakers())[0]!.retryAt!.getTime();
    await wait(nextProbe - f.clock.now());
    await until(async () => (await breakers())[0]?.state === "closed", "closed after a good probe");
    await until(
      async () =>
        (await f!.tf.listJobs({ task: "charge", state: "succeeded" })).length === JOBS - beforeOpen - 1,
      "the held jobs ran",
    );
    const states = await Promise.all(jobs.map(async (job) => (await f!.tf.getJob(job.id))?.state));
    expect(states.filter((s) => s === "dead")).toHaveLength(beforeOpen + 1);
    expect((await breakers())[0]).toMatchObject({ state: "closed", consecutiveFailures: 0, retryAt: null });
  });

  it("keeps a breaker per key, so one failing host does not hold jobs for another", async () => {
    f = await open();
    const ran: string[] = [];
    const fetchPage = f.tf.task<{ host: string; n: number }>("fetch-page", {
      maxAttempts: 1,
      circuitBreaker: { consecutiveFailures: 2, openFor: "1m", key: (p) => p.host },
      run: (ctx) => {
        ran.push(`${ctx.payload.host}${ctx.payload.n}`);
        if (ctx.payload.host === "down.example") throw new Error("connection refused");
      },
    });
    await f.tf.enqueueMany([
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => ({
        task: fetchPage,
        payload: { host: "down.example", n },
      })),
      ...[1, 2, 3].map((n) => ({ task: fetchPage, payload: { host: "up.example", n } })),
    ]);
    await f.tf.start();
    await until(
      () => ran.filter((r) => r.startsWith("up")).length === 3,
      "every job of the healthy host ran",
    );
    await until(
      async () => (await breakers()).some((b) => b.state === "open"),
      "the failing host's breaker opened",
    );
    await until(
      async () => (await f!.tf.listJobs({ task: "fetch-page", state: "running" })).length === 0,
      "idle",
    );
    // A breaker records an outcome after the job's own row is written.
    await until(
      async () => (await breakers()).some((b) => b.breaker === "key:up.example"),
      "the healthy host's successes recorded on its breaker",
    );
    const states = Object.fromEntries((await breakers()).map((b) => [b.breaker, b.state]));
    expect(states).toEqual({ "key:down.example": "open", "key:up.example": "closed" });
    const held = await f.tf.listJobs({ task: "fetch-page", state: "queued" });
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((job) => job.circuitKey === "down.example")).toBe(true);
  });

  it("refuses bad breaker options at registration", async () => {
    f = await open();
    const run = () => undefined;
    const bad: [string, object][] = [
      ["circuitBreaker", { circuitBreaker: 5 }],
      ["circuitBreaker.consecutiveFailures", { circuitBreaker: { consecutiveFailures: 0 } }],
      ["circuitBreaker.openFor", { circuitBreaker: { openFor: "0s" } }],
      ["circuitBreaker.key", { circuitBreaker: { key: "host" } }],
    ];
    for (const [option, definition] of bad) {
      expect(() => f!.tf.task(`bad-${option}`, { run, ...definition }), option).toThrow(
        expect.objectContaining({
          code: ErrorCode.InvalidOption,
          details: { task: `bad-${option}`, option },
        }),
      );
    }
  });
});
