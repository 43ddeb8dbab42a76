// Concurrency keys and rate limits as a worker meets them, on the fake clock: time moves only
// through `clock.advance`, and `until` waits for database I/O, never for time.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/index.js";
import { backends } from "../../support/backends.js";
import {
  advanceUntil,
  gate,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../../support/taskflow-fixture.js";

describe.each(backends)("concurrency keys and rate limits on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const states = async (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await f!.tf.getJob(id))?.state ?? "missing"));

  it("runs one job per tenant at once and starts the tenant's next as soon as one finishes", async () => {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 10, pollInterval: "1s" } });
    const gates = new Map<string, ReturnType<typeof gate<void>>>();
    const started: string[] = [];
    const sync = f.tf.task<{ tenant: string; n: number }>("sync", {
      concurrencyKey: (p) => `tenant:${p.tenant}`,
      run: async (ctx) => {
        const name = `${ctx.payload.tenant}${ctx.payload.n}`;
        started.push(name);
        const g = gate();
        gates.set(name, g);
        await g.promise;
      },
    });
    const a1 = await f.tf.enqueue(sync, { tenant: "a", n: 1 });
    const a2 = await f.tf.enqueue(sync, { tenant: "a", n: 2 });
    const b1 = await f.tf.enqueue(sync, { tenant: "b", n: 1 });
    expect(a1.concurrencyKey).toBe("tenant:a");
    await f.tf.start();
    await until(() => gates.has("a1") && gates.has("b1"), "a1 and b1 started");
    // Several polls claim again while a1 holds tenant a: a2 must stay queued through all of them.
    for (let poll = 0; poll < 5; poll++) await f.clock.advance(1_000);
    expect(await states([a1.id, a2.id, b1.id])).toEqual(["running", "queued", "running"]);
    gates.get("a1")!.open();
    await until(() => gates.has("a2"), "a2 started after a1 finished");
    expect(started).toEqual(["a1", "b1", "a2"]);
    expect(await states([a1.id, b1.id])).toEqual(["succeeded", "running"]);
    gates.get("a2")!.open();
    gates.get("b1")!.open();
    await until(async () => (await states([a2.id, b1.id])).every((s) => s === "succeeded"), "all succeeded");
  });

  it("lets concurrencyKeyLimit jobs share a key, and an enqueue option key wins over the task's", async () => {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 10, pollInterval: "1s" } });
    let running = 0;
    let most = 0;
    const release = gate();
    const report = f.tf.task<{ account: string }>("report", {
      concurrencyKey: (p) => `account:${p.account}`,
      concurrencyKeyLimit: 2,
      run: async () => {
        running++;
        most = Math.max(most, running);
        await release.promise;
        running--;
      },
    });
    const jobs = await f.tf.enqueueMany(
      Array.from({ length: 5 }, () => ({ task: report, payload: { account: "x" } })),
    );
    const own = await f.tf.enqueue(report, { account: "x" }, { concurrencyKey: "account:vip" });
    expect(own.concurrencyKey).toBe("account:vip");
    await f.tf.start();
    await until(() => running === 3, "two of account:x and the vip job running");
    for (let poll = 0; poll < 5; poll++) await f.clock.advance(1_000);
    expect(running).toBe(3);
    expect((await states(jobs.map((j) => j.id))).filter((s) => s === "running")).toHaveLength(2);
    release.open();
    await until(
      async () => (await states([...jobs, own].map((j) => j.id))).every((s) => s === "succeeded"),
      "all succeeded",
    );
    expect(most).toBe(3);
  });

  it("starts at most max attempts per window and wakes for the next window without polling", async () => {
    // The worker arms its wake-up after a query; on a loaded machine that can come after the
    // clock has already moved past the window's end. Such a timer is due at once: `advance(0)`
    // fires it without moving time, so the start times below stay exact.
    const untilWoken = (check: () => boolean, what: string) =>
      until(async () => {
        await f!.clock.advance(0);
        return check();
      }, what);
    // Polls are an hour apart: only the timer armed for the window's end can start the next ones.
    f = await openTestTaskFlow(backend, { worker: { concurrency: 10, pollInterval: "1h" } });
    const startedAt: number[] = [];
    const call = f.tf.task("call-partner", {
      rateLimit: { max: 2, per: "1m" },
      run: () => {
        startedAt.push(f!.clock.now());
      },
    });
    const t0 = f.clock.now();
    const jobs = await f.tf.enqueueMany(
      Array.from({ length: 5 }, (_, n) => ({ task: call, payload: { n } })),
    );
    await f.tf.start();
    await until(() => startedAt.length === 2, "the first two started");
    await f.clock.advance(59_000);
    expect(startedAt).toHaveLength(2);
    await f.clock.advance(1_000);
    await untilWoken(() => startedAt.length === 4, "two more at the next window");
    await f.clock.advance(60_000);
    await untilWoken(() => startedAt.length === 5, "the last one a window later");
    expect(startedAt).toEqual([t0, t0, t0 + 60_000, t0 + 60_000, t0 + 120_000]);
    await until(async () => (await states(jobs.map((j) => j.id))).every((s) => s === "succeeded"), "done");
  });

  it("keeps a bucket per rate-limit key, so one busy host does not hold back another", async () => {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 10, pollInterval: "1h" } });
    const started: string[] = [];
    const fetchPage = f.tf.task<{ host: string; n: number }>("fetch-page", {
      rateLimit: { max: 1, per: "10s", key: (p) => p.host },
      run: (ctx) => {
        started.push(`${ctx.payload.host}${ctx.payload.n}@${f!.clock.now() - t0}`);
      },
    });
    const t0 = f.clock.now();
    await f.tf.enqueueMany([
      { task: fetchPage, payload: { host: "a", n: 1 } },
      { task: fetchPage, payload: { host: "a", n: 2 } },
      { task: fetchPage, payload: { host: "b", n: 1 } },
    ]);
    await f.tf.start();
    await until(() => started.length === 2, "one per host");
    await f.clock.advance(10_000);
    await until(() => started.length === 3, "the second of host a, a window later");
    expect(started.sort()).toEqual(["a1@0", "a2@10000", "b1@0"]);
  });

  it("gives a schedule's occurrences the key their task names, so overlapping runs of one tenant wait", async () => {
    f = await openTestTaskFlow(backend, { worker: { concurrency: 10, pollInterval: "1s" } });
    const release = gate<void>();
    let running = 0;
    f.tf.task<{ tenant: string }>("nightly-sync", {
      concurrencyKey: (p) => `tenant:${p.tenant}`,
      run: async () => {
        running++;
        await release.promise;
        running--;
      },
    });
    // Two schedules of one tenant, both allowing overlap: only the key keeps them apart.
    await f.tf.schedule("sync-a", { task: "nightly-sync", every: "1m", payload: { tenant: "t1" } });
    await f.tf.schedule("sync-b", { task: "nightly-sync", every: "1m", payload: { tenant: "t1" } });
    await f.tf.start();
    await advanceUntil(
      f.clock,
      1_000,
      120_000,
      () => Promise.resolve(running === 1),
      "one occurrence running",
    );
    for (let poll = 0; poll < 5; poll++) await f.clock.advance(1_000);
    const occurrences = (await f.tf.listJobs({ task: "nightly-sync" })).filter(
      (job) => job.state !== "skipped",
    );
    expect(new Set(occurrences.map((job) => job.concurrencyKey))).toEqual(new Set(["tenant:t1"]));
    expect(occurrences.filter((job) => job.state === "running")).toHaveLength(1);
    expect(occurrences.filter((job) => job.state === "queued").length).toBeGreaterThanOrEqual(1);
    expect(running).toBe(1);
    release.open();
  });

  it("refuses bad limits at registration and a throwing key function at enqueue, writing nothing", async () => {
    f = await openTestTaskFlow(backend);
    const run = () => undefined;
    const bad: [string, object][] = [
      ["concurrencyKeyLimit", { concurrencyKeyLimit: 0 }],
      ["concurrencyKey", { concurrencyKey: "tenant" }],
      ["rateLimit.max", { rateLimit: { max: 1.5, per: "1s" } }],
      ["rateLimit.per", { rateLimit: { max: 1, per: "0s" } }],
      ["rateLimit.key", { rateLimit: { max: 1, per: "1s", key: "host" } }],
    ];
    for (const [option, definition] of bad) {
      expect(() => f!.tf.task(`bad-${option}`, { run, ...definition }), option).toThrow(
        expect.objectContaining({
          code: ErrorCode.InvalidOption,
          details: { task: `bad-${option}`, option },
        }),
      );
    }
    const picky = f.tf.task<{ tenant?: string }>("picky", {
      concurrencyKey: (p) => {
        if (p.tenant === undefined) throw new Error("no tenant in payload");
        return p.tenant;
      },
      run,
    });
    await expect(
      f.tf.enqueueMany([
        { task: picky, payload: { tenant: "t1" } },
        { task: picky, payload: {} },
      ]),
    ).rejects.toMatchObject({
      code: ErrorCode.InvalidOption,
      message: expect.stringContaining("no tenant in payload") as string,
    });
    expect(await f.tf.listJobs({ task: "picky" })).toEqual([]);
  });
});
