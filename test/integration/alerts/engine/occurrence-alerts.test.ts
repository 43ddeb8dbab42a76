import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../../../support/backends.js";
import { advanceBy, occurrencesOf } from "../../../support/schedule-fixture.js";
import {
  advanceUntil,
  gate,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../../../support/taskflow-fixture.js";

const T0 = Date.UTC(2030, 0, 1);
const MINUTE = 60_000;

describe.each(backends)("alerts on skipped occurrences on $name", { timeout: 120_000 }, (backend) => {
  let f: TaskFlowFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it("raises one P1 occurrence-missed alert for occurrences no scheduler fired in time, saying why", async () => {
    f = await openTestTaskFlow(backend, { alerts: { evaluateEvery: "30s" } });
    const { tf, clock } = f;
    const task = tf.task("report", { run: () => undefined });
    // Every minute from 00:00; no node runs until 00:10:45, so 00:01-00:10 were missed: the
    // catch-up policy skips them all, the five older than the window whatever the policy.
    await tf.schedule("nightly", { task, cron: "* * * * *", catchup: "skip", catchupWindow: "5m" });
    await clock.set(T0 + 10 * MINUTE + 45_000);
    await tf.start();
    await until(async () => (await occurrencesOf(tf, "nightly")).length === 10, "ten occurrences decided");
    expect((await occurrencesOf(tf, "nightly")).map((r) => r.reason)).toEqual([
      ...Array<string>(5).fill("catchup-window"),
      ...Array<string>(5).fill("missed"),
    ]);

    await advanceUntil(clock, 30_000, 5 * MINUTE, async () => (await tf.alerts.list()).length > 0, "alert");
    const alerts = await tf.alerts.list();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      rule: "occurrence-missed",
      groupKey: "occurrence-missed:schedule=nightly",
      severity: "P1",
      status: "firing",
      count: 10,
      title: "Schedule nightly missed an occurrence (10 times)",
      subject: { scheduleId: "nightly", task: "report" },
    });
    expect(alerts[0]!.summary).toMatch(/never ran: no scheduler fired it/);
    expect(alerts[0]!.summary).toContain("Check that nodes were running");
  });

  it("raises occurrence-skipped (P2) naming the overlap policy, and nothing for calendar dates or a pause", async () => {
    f = await openTestTaskFlow(backend, { alerts: { evaluateEvery: "30s" } });
    const { tf, clock } = f;
    const quick = tf.task("quick", { run: () => undefined });
    const release = gate();
    const slow = tf.task("slow", { maxAttempts: 1, run: () => release.promise });
    try {
      // Every occurrence of `holiday` falls on a date of its exclusion calendar.
      await tf.defineCalendar("new-year", ["2030-01-01"]);
      await tf.schedule("holiday", { task: quick, every: "1m", calendars: ["new-year"] });
      // `paused` is paused for five minutes: what falls due meanwhile is missed, on purpose.
      await tf.schedule("paused", { task: quick, every: "10s", catchup: "skip" });
      await tf.pause("paused");
      await tf.start();
      await advanceBy(clock, 5 * MINUTE, 10_000);
      await tf.resume("paused");
      await advanceBy(clock, 20_000, 1_000);
      await until(
        async () => (await occurrencesOf(tf, "paused")).some((r) => r.reason === "missed"),
        "occurrences missed while paused recorded",
      );
      expect(
        (await occurrencesOf(tf, "holiday")).filter((r) => r.reason === "calendar").length,
      ).toBeGreaterThan(3);

      // Recorded after those, so its alert means the evaluation has read them.
      await tf.schedule("overlapping", { task: slow, every: "10s", overlap: "skip" });
      await advanceUntil(
        clock,
        10_000,
        5 * MINUTE,
        async () => (await tf.alerts.list()).length > 0,
        "overlap alert",
      );
      const alerts = await tf.alerts.list();
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        rule: "occurrence-skipped",
        groupKey: "occurrence-skipped:schedule=overlapping",
        severity: "P2",
        subject: { scheduleId: "overlapping", task: "slow" },
        labels: { reason: "overlap" },
      });
      expect(alerts[0]!.summary).toMatch(
        /was skipped: the previous run of this schedule was still going \(overlap policy skip\)\.$/,
      );
    } finally {
      release.open();
    }
  });
});
