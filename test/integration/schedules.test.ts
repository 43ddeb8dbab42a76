import { afterEach, describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/index.js";
import { backends } from "../support/backends.js";
import { advanceBy, iso, occurrencesOf } from "../support/schedule-fixture.js";
import { advanceUntil, openTestTaskFlow, until, type TaskFlowFixture } from "../support/taskflow-fixture.js";

const T0 = Date.UTC(2030, 0, 1);

describe.each(backends)("schedules on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it("enqueues each occurrence once, ahead of time, with run_at equal to its fire time", async () => {
    f = await openTestTaskFlow(backend);
    const started: string[] = [];
    const tick = f.tf.task("tick", { run: (ctx) => void started.push(ctx.job.fireAt!.toISOString()) });
    await f.tf.schedule("every-second", { task: tick, cron: "* * * * * *" });
    await f.tf.start();
    await advanceBy(f.clock, 5_000);
    await until(
      async () => (await occurrencesOf(f!.tf, "every-second")).length === 7,
      "occurrences up to now + lookahead",
    );
    const rows = await occurrencesOf(f.tf, "every-second");
    const expected = Array.from({ length: 7 }, (_, i) => iso(T0 + (i + 1) * 1000)); // up to now + 2 s lookahead
    expect(rows.map((r) => r.fire_at.toISOString())).toEqual(expected);
    expect(rows.every((r) => r.run_at.getTime() === r.fire_at.getTime())).toBe(true);
    await until(() => started.length >= 5, "five runs");
    expect(started.slice(0, 5)).toEqual(expected.slice(0, 5));
    expect(new Set(started).size).toBe(started.length);
  });

  it("changes nothing when the same spec is upserted again, and records real changes", async () => {
    f = await openTestTaskFlow(backend);
    const task = f.tf.task("report", { run: () => undefined });
    const first = await f.tf.schedule(
      "nightly",
      { task, cron: "0 2 * * *", timezone: "Europe/Berlin" },
      { actor: "deploy-1" },
    );
    await f.clock.advance(60_000);
    const again = await f.tf.schedule(
      "nightly",
      { timezone: "Europe/Berlin", cron: "0 2 * * *", task: "report" },
      { actor: "deploy-2" },
    );
    expect(again.updatedAt).toEqual(first.updatedAt);
    await f.tf.schedule("nightly", { task, cron: "0 3 * * *", timezone: "Europe/Berlin" }, { actor: "ada" });
    const history = await f.tf.scheduleHistory("nightly");
    expect(history.map((h) => [h.action, h.actor])).toEqual([
      ["created", "deploy-1"],
      ["updated", "ada"],
    ]);
    expect(history[1]).toMatchObject({ before: { cron: "0 2 * * *" }, after: { cron: "0 3 * * *" } });
    expect((await f.tf.getSchedule("nightly"))!.nextFireAt!.toISOString()).toBe("2030-01-01T02:00:00.000Z");
  });

  it("never fires an edit retroactively and withdraws occurrences of the old definition", async () => {
    f = await openTestTaskFlow(backend, { scheduler: { lookahead: "10s" } });
    const task = f.tf.task("t", { run: () => undefined });
    await f.tf.schedule("s", { task, every: "5s" });
    await f.tf.start();
    await advanceBy(f.clock, 1_000);
    await until(async () => (await occurrencesOf(f!.tf, "s")).length === 2, "5 s and 10 s enqueued ahead");
    expect((await occurrencesOf(f.tf, "s")).map((r) => r.state)).toEqual(["queued", "queued"]);
    await f.tf.schedule("s", { task, every: "1h" });
    expect(await occurrencesOf(f.tf, "s")).toEqual([]);
    expect((await f.tf.getSchedule("s"))!.nextFireAt!.getTime()).toBe(f.clock.now() + 3_600_000);
  });

  it("refuses a schedule that can never fire, an unknown time zone or task, and writes nothing", async () => {
    f = await openTestTaskFlow(backend);
    const task = f.tf.task("t", { run: () => undefined });
    const cases: [() => Promise<unknown>, string][] = [
      [() => f!.tf.schedule("a", { task, cron: "0 0 30 2 *" }), "SCHEDULE_NEVER_FIRES"],
      [() => f!.tf.schedule("b", { task, cron: "0 9 * * *", timezone: "Mars/Olympus" }), "INVALID_TIMEZONE"],
      [() => f!.tf.schedule("c", { task, cron: "61 * * * *" }), "INVALID_CRON"],
      [() => f!.tf.schedule("d", { task: "typo", cron: "* * * * *" }), "UNKNOWN_TASK"],
      [() => f!.tf.schedule("e", { task, cron: "* * * * *", every: "1m" }), "INVALID_SCHEDULE"],
      [() => f!.tf.schedule("f\0", { task, cron: "* * * * *" }), "INVALID_SCHEDULE"],
    ];
    for (const [call, code] of cases) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect([code, (error as InvalidInputError).code]).toEqual([code, code]);
    }
    expect(await f.tf.listSchedules()).toEqual([]);
  });

  describe("catch-up after downtime", () => {
    // A schedule every minute, created at 00:00; no node runs until 00:10:45, so 00:01-00:10 were missed.
    const downtime = async (spec: Record<string, unknown>) => {
      f = await openTestTaskFlow(backend);
      const task = f.tf.task("t", { run: () => undefined });
      await f.tf.schedule("m", { task, cron: "* * * * *", ...spec });
      await f.clock.set(T0 + 10 * 60_000 + 45_000);
      await f.tf.start();
      await advanceBy(f.clock, 500);
      await until(async () => (await occurrencesOf(f!.tf, "m")).length === 10, "all ten occurrences decided");
      const rows = await occurrencesOf(f.tf, "m");
      const minute = (r: { fire_at: Date }) => r.fire_at.toISOString().slice(14, 16);
      return {
        run: rows.filter((r) => r.state !== "skipped").map(minute),
        skipped: rows.filter((r) => r.state === "skipped").map(minute),
        count: (await f.tf.getSchedule("m"))!.skippedCount,
      };
    };

    it("latest: runs the most recent missed occurrence once and records the others as skipped", async () => {
      expect(await downtime({ catchup: "latest" })).toEqual({
        run: ["10"],
        skipped: ["01", "02", "03", "04", "05", "06", "07", "08", "09"],
        count: 9,
      });
    });

    it("skip: runs none of them and records all as skipped", async () => {
      const result = await downtime({ catchup: "skip" });
      expect(result.run).toEqual([]);
      expect(result.count).toBe(10);
    });

    it("all: runs them oldest first up to maxCatchup", async () => {
      const result = await downtime({ catchup: "all", maxCatchup: 3 });
      expect(result.run).toEqual(["01", "02", "03"]);
      expect(result.count).toBe(7);
    });

    it("skips whatever is older than the catch-up window", async () => {
      const result = await downtime({ catchup: "all", catchupWindow: "5m" });
      expect(result.run).toEqual(["06", "07", "08", "09", "10"]);
      expect(result.skipped).toEqual(["01", "02", "03", "04", "05"]);
    });
  });

  describe("overlap, decided when a run would start", () => {
    const overlapping = async (overlap: "skip" | "queue" | "replace") => {
      f = await openTestTaskFlow(backend);
      let release!: () => void;
      const blocked = new Promise<void>((resolve) => (release = resolve));
      const reasons: unknown[] = [];
      const slow = f.tf.task("slow", {
        maxAttempts: 1,
        run: async (ctx) => {
          if (ctx.job.fireAt!.getTime() !== T0 + 1000) return;
          await Promise.race([
            blocked,
            new Promise((_, reject) =>
              ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason as Error)),
            ),
          ]).catch((error: unknown) => {
            reasons.push(error);
            throw error;
          });
        },
      });
      await f.tf.schedule("o", { task: slow, every: "1s", overlap });
      await f.tf.start();
      await advanceBy(f.clock, 1_000);
      await until(async () => (await occurrencesOf(f!.tf, "o"))[0]?.state === "running", "first run going");
      await advanceBy(f.clock, 3_000);
      const states = async () => (await occurrencesOf(f!.tf, "o")).slice(0, 4).map((r) => r.state);
      return { states, release, reasons };
    };

    it("skip: records occurrences due while the previous run goes on as skipped", async () => {
      const { states, release } = await overlapping("skip");
      await until(
        async () => (await states()).join() === "running,skipped,skipped,skipped",
        "later occurrences skipped",
      );
      release();
      await until(async () => (await states())[0] === "succeeded", "first run done");
    });

    it("queue: keeps one occurrence waiting and skips the rest, then runs the waiting one", async () => {
      const { states, release } = await overlapping("queue");
      await until(
        async () => (await states()).join() === "running,queued,skipped,skipped",
        "one waits, others skipped",
      );
      release();
      await until(
        async () => (await states()).slice(0, 2).join() === "succeeded,succeeded",
        "waiting one ran",
      );
    });

    it("replace: cancels the running run when the next occurrence is due", async () => {
      const { states, reasons } = await overlapping("replace");
      await until(async () => (await states())[0] === "cancelled", "first run cancelled");
      expect(reasons[0]).toMatchObject({ code: "JOB_CANCELLED" });
      await until(async () => (await states())[1] === "succeeded", "replacement ran");
    });
  });

  it("pausing withdraws occurrences enqueued ahead; resuming applies the catch-up policy", async () => {
    f = await openTestTaskFlow(backend, { scheduler: { misfireThreshold: "1s" } });
    const task = f.tf.task("t", { run: () => undefined });
    await f.tf.schedule("p", { task, every: "10s", catchup: "skip" });
    await f.tf.start();
    await advanceBy(f.clock, 9_000); // the 10 s occurrence is enqueued ahead
    await until(async () => (await occurrencesOf(f!.tf, "p")).length === 1, "10 s enqueued ahead");
    expect((await occurrencesOf(f.tf, "p")).map((r) => r.state)).toEqual(["queued"]);
    await f.tf.pause("p");
    expect(await occurrencesOf(f.tf, "p")).toEqual([]);
    await advanceBy(f.clock, 60_000, 5_000);
    expect(await occurrencesOf(f.tf, "p")).toEqual([]);
    const resumedAt = f.clock.now();
    await f.tf.resume("p");
    await advanceBy(f.clock, 500);
    await until(async () => (await f!.tf.getSchedule("p"))!.skippedCount === 6, "missed occurrences decided");
    const rows = await occurrencesOf(f.tf, "p");
    // 10 s … 60 s were missed while paused: skipped (the policy); 70 s is on time.
    expect(rows.filter((r) => r.state === "skipped").map((r) => (r.fire_at.getTime() - T0) / 1000)).toEqual([
      10, 20, 30, 40, 50, 60,
    ]);
    expect(rows.filter((r) => r.state !== "skipped").every((r) => r.fire_at.getTime() >= resumedAt)).toBe(
      true,
    );
    expect((await f.tf.getSchedule("p"))!.skippedCount).toBe(6);
    expect((await f.tf.scheduleHistory("p")).map((h) => h.action)).toEqual(["created", "paused", "resumed"]);
  });

  it("fires nothing twice when the clock moves backwards", async () => {
    f = await openTestTaskFlow(backend);
    const task = f.tf.task("t", { run: () => undefined });
    await f.tf.schedule("b", { task, every: "1s" });
    await f.tf.start();
    await advanceBy(f.clock, 5_000);
    await f.clock.set(f.clock.now() - 10_000);
    await advanceBy(f.clock, 15_000, 500);
    const fires = (await occurrencesOf(f.tf, "b")).map((r) => r.fire_at.getTime());
    expect(new Set(fires).size).toBe(fires.length);
    expect(fires).toEqual(fires.map((_, i) => T0 + (i + 1) * 1000));
  });

  it("skips and records occurrences on the dates of an exclusion calendar", async () => {
    // Six days of fake time: periodic timers long enough not to fire thousands of times (alert
    // evaluation, which this test is not about, is off).
    f = await openTestTaskFlow(backend, {
      scheduler: { pollInterval: "1h" },
      worker: { pollInterval: "1h", reapInterval: "1h", leaseDuration: "3h" },
      maintenance: { leaseTtl: "1h" },
      alerts: { enabled: false },
    });
    const task = f.tf.task("t", { run: () => undefined });
    await f.tf.defineCalendar("holidays", ["2030-01-02", { from: "2030-01-04", to: "2030-01-05" }]);
    await f.tf.schedule("daily", {
      task,
      cron: "0 9 * * *",
      timezone: "America/New_York",
      calendars: ["holidays"],
      // Six-hour steps can carry the clock past a fire time before the fire loop's query returns,
      // on a loaded machine for several steps in a row: run such a late occurrence instead of
      // skipping it as missed or out of the window (this test is about calendars).
      catchup: "all",
      catchupWindow: "7d",
    });
    await f.tf.start();
    await advanceBy(f.clock, 6 * 86_400_000, 6 * 3_600_000);
    // A fire-loop timer armed while the last step was under way fires on the next move of the
    // clock: nudge it a minute at a time (the seventh day's occurrence is still 14 hours away).
    await advanceUntil(
      f.clock,
      60_000,
      3_600_000,
      async () => (await occurrencesOf(f!.tf, "daily")).length === 6,
      "six days decided",
    );
    const rows = await occurrencesOf(f.tf, "daily");
    expect(
      rows.map((r) => [r.fire_at.toISOString().slice(0, 10), r.state === "skipped" ? "skipped" : "run"]),
    ).toEqual([
      ["2030-01-01", "run"],
      ["2030-01-02", "skipped"],
      ["2030-01-03", "run"],
      ["2030-01-04", "skipped"],
      ["2030-01-05", "skipped"],
      ["2030-01-06", "run"],
    ]);
    expect(rows[1]!.reason).toBe("calendar");
  });

  it("triggers a run now, outside the cadence, and previews fire times without saving", async () => {
    f = await openTestTaskFlow(backend);
    const task = f.tf.task("t", { run: () => "manual" });
    await f.tf.schedule("weekly", { task, cron: "0 8 * * MON" });
    await f.tf.start();
    const job = await f.tf.trigger("weekly");
    expect(job).toMatchObject({ scheduleId: "weekly", fireAt: null, tags: ["trigger"] });
    await until(async () => (await f!.tf.getJob(job.id))?.state === "succeeded", "triggered run done");
    expect(f.tf.previewSchedule({ task, cron: "0 8 * * MON" }, 2).map((d) => d.toISOString())).toEqual([
      "2030-01-07T08:00:00.000Z",
      "2030-01-14T08:00:00.000Z",
    ]);
    expect((await f.tf.scheduleHistory("weekly")).map((h) => h.action)).toEqual(["created", "triggered"]);
  });
});
