// Schedules that follow another (`after`), on every backend. Time moves only through the fake clock.
import { afterEach, describe, expect, it } from "vitest";
import type { TaskFlowError } from "../../src/index.js";
import { backends } from "../support/backends.js";
import { advanceBy, iso, occurrencesOf } from "../support/schedule-fixture.js";
import { gate, openTestTaskFlow, until, type TaskFlowFixture } from "../support/taskflow-fixture.js";

const T0 = Date.UTC(2030, 0, 1);
const EVERY = 10_000;

// A minute per test: opening PGlite alone takes seconds on a loaded machine.
describe.each(backends)("schedules that follow another on $name", { timeout: 60_000 }, (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  const statesOf = async (id: string) => (await occurrencesOf(f!.tf, id)).map((o) => o.state);
  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => (error as TaskFlowError).code,
    );

  /** A node with an `etl` every 10 s whose runs can be held open and told to fail for good. */
  async function open() {
    // Workers wake on their own timers and notifications; polls stay out of the fake seconds.
    f = await openTestTaskFlow(backend, { worker: { concurrency: 4, pollInterval: "1h" } });
    const ran: string[] = [];
    let release = gate();
    let failNext = false;
    const etl = f.tf.task("etl", {
      maxAttempts: 1,
      run: async (ctx) => {
        ran.push(`etl@${ctx.job.fireAt!.toISOString()}`);
        await release.promise;
        if (failNext) throw new Error("source database unreachable");
        return { rows: 42 };
      },
    });
    const step = f.tf.task<{ name: string }>("step", {
      run: async (ctx) => {
        ran.push(`${ctx.payload.name}@${ctx.job.fireAt!.toISOString()}`);
        const deps = await ctx.dependencies();
        return Object.fromEntries(Object.entries(deps).filter(([key]) => !/^[0-9]+$/.test(key)));
      },
    });
    await f.tf.schedule("etl", { task: etl, every: "10s" });
    return {
      tf: f.tf,
      ran,
      step,
      release: () => release.open(),
      failNextRun: () => {
        failNext = true;
        release = gate();
        release.open();
      },
    };
  }

  it("enqueues a follower's occurrence with its leader's, waits for that run, then runs with its result", async () => {
    const { tf, ran, step, release } = await open();
    await tf.schedule("report", { task: step, payload: { name: "report" }, after: "etl" });
    expect(await tf.getSchedule("report")).toMatchObject({
      timing: { kind: "after", schedule: "etl", onFailure: "skip" },
      nextFireAt: null,
    });
    await tf.start();
    await advanceBy(f!.clock, EVERY, 1_000);
    await until(() => ran.length === 1, "the etl run started");
    const fireAt = iso(T0 + EVERY);
    const [occurrence] = await occurrencesOf(tf, "report");
    expect(occurrence).toMatchObject({ state: "waiting" });
    expect(occurrence!.fire_at.toISOString()).toBe(fireAt);
    expect(ran).toEqual([`etl@${fireAt}`]);
    release();
    await until(async () => (await statesOf("report"))[0] === "succeeded", "the report ran");
    expect(ran).toEqual([`etl@${fireAt}`, `report@${fireAt}`]);
    const [job] = await tf.listJobs({ scheduleId: "report" });
    expect(job!.result).toMatchObject({ etl: { state: "succeeded", result: { rows: 42 } } });
    expect((await tf.getSchedule("report"))!.lastFireAt!.toISOString()).toBe(fireAt);
  });

  it("follows a chain in turn, and skips the rest of it when the leader's run fails for good", async () => {
    const { tf, ran, step, failNextRun } = await open();
    await tf.schedule("load", { task: step, payload: { name: "load" }, after: "etl" });
    await tf.schedule("report", { task: step, payload: { name: "report" }, after: "load" });
    await tf.schedule("page-oncall", {
      task: step,
      payload: { name: "page-oncall" },
      after: { schedule: "etl", onFailure: "continue" },
    });
    await tf.schedule("audit", {
      task: step,
      payload: { name: "audit" },
      after: { schedule: "etl", onFailure: "fail" },
    });
    await tf.start();
    failNextRun();
    await advanceBy(f!.clock, EVERY, 1_000);
    const settled = async () => {
      const states = await Promise.all(["load", "report", "page-oncall", "audit"].map(statesOf));
      return states.every((s) => s.length === 1 && !["waiting", "queued", "running"].includes(s[0]!));
    };
    await until(settled, "every follower settled");
    expect(await statesOf("etl")).toEqual(["dead"]);
    expect(await statesOf("load")).toEqual(["skipped"]);
    expect(await statesOf("report")).toEqual(["skipped"]);
    expect(await statesOf("page-oncall")).toEqual(["succeeded"]);
    expect(await statesOf("audit")).toEqual(["dead"]);
    const [skipped] = await occurrencesOf(tf, "load");
    expect(skipped!.reason).toMatch(/ended dead/);
    expect(ran.map((r) => r.split("@")[0])).toEqual(["etl", "page-oncall"]);
  });

  it("enqueues nothing for a paused follower, withdraws its waiting occurrence, and never fires it alone", async () => {
    const { tf, ran, step, release } = await open();
    await tf.schedule("report", { task: step, payload: { name: "report" }, after: "etl" });
    await tf.start();
    await advanceBy(f!.clock, EVERY, 1_000);
    await until(async () => (await statesOf("report")).length === 1, "the report waits");
    await tf.pause("report");
    expect(await statesOf("report")).toEqual([]);
    expect((await tf.getSchedule("report"))!.nextFireAt).toBeNull();
    release();
    await until(async () => (await statesOf("etl"))[0] === "succeeded", "the etl run finished");
    await advanceBy(f!.clock, EVERY, 1_000);
    await until(async () => (await statesOf("etl")).length === 2, "the next etl occurrence");
    expect(await statesOf("report")).toEqual([]);
    await tf.resume("report");
    expect((await tf.getSchedule("report"))!.nextFireAt).toBeNull();
    await advanceBy(f!.clock, EVERY, 1_000);
    await until(async () => (await statesOf("report"))[0] === "succeeded", "the report follows again");
    const third = iso(T0 + 3 * EVERY);
    expect(ran.filter((r) => r.endsWith(third))).toEqual([`etl@${third}`, `report@${third}`]);
    expect(ran.filter((r) => r.startsWith("report"))).toEqual([`report@${third}`]);
  });

  it("refuses a follower with time options, following itself, or a bad onFailure, and writes nothing", async () => {
    const { tf, step } = await open();
    const cases: [string, Record<string, unknown>][] = [
      ["a", { after: "etl", cron: "0 * * * *" }],
      ["b", { after: "etl", catchup: "all" }],
      ["c", { after: "c" }],
      ["d", { after: { schedule: "etl", onFailure: "retry" } }],
      ["e", { after: { schedule: "" } }],
    ];
    for (const [id, spec] of cases) {
      expect(await codeOf(tf.schedule(id, { task: step, ...spec }))).toBe("INVALID_SCHEDULE");
      expect(await tf.getSchedule(id)).toBeNull();
    }
    await expect(tf.schedule("b", { task: step, after: "etl", catchup: "all" })).rejects.toThrow(
      /catchup does not apply to a schedule with after/,
    );
  });
});
