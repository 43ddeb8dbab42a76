import { afterEach, describe, expect, it } from "vitest";
import { PermanentError, type TaskFlowOptions } from "../../../../src/index.js";
import { startAlertReceiver, type AlertReceiver } from "../../../support/alert-receiver.js";
import { backends } from "../../../support/backends.js";
import {
  advanceUntil,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../../../support/taskflow-fixture.js";

const MINUTE = 60_000;

describe.each(backends)(
  "alert silences, escalation and resolution on $name",
  { timeout: 120_000 },
  (backend) => {
    let f: TaskFlowFixture | undefined;
    let ops: AlertReceiver | undefined;
    let pager: AlertReceiver | undefined;
    afterEach(async () => {
      await f?.close();
      await ops?.close();
      await pager?.close();
      f = ops = pager = undefined;
    });

    /** P1 goes to `ops` and escalates to P0 (`pager`) after 10 minutes unacknowledged. */
    async function open(
      alerts: NonNullable<TaskFlowOptions["alerts"]> = {},
      extra: Partial<TaskFlowOptions> = {},
    ): Promise<TaskFlowFixture> {
      ops = await startAlertReceiver("/ops");
      pager = await startAlertReceiver("/pager");
      f = await openTestTaskFlow(backend, {
        alerts: {
          channels: { ops: ops.channel, pager: pager.channel },
          routes: { P0: { channels: ["pager"] }, P1: { channels: ["ops"], escalateAfter: "10m" } },
          allow: [...ops.allow, ...pager.allow],
          evaluateEvery: "30s",
          // Fake time moves in big steps while a delivery does real I/O: a delivery timeout
          // on the fake clock would cut it short, so it is out of reach here.
          delivery: { timeout: "1h" },
          ...alerts,
        },
        ...extra,
      });
      return f;
    }

    async function killOne(task: string): Promise<void> {
      const ref = f!.tf.task(task, { run: () => Promise.reject(new PermanentError(`${task} broke`)) });
      await f!.tf.start();
      await f!.tf.enqueue(ref, {});
      await until(async () => (await f!.tf.countDead({ task })) === 1, `${task} dead`);
    }

    it("holds messages back during a silence, keeps the record, and sends what is still firing when it ends", async () => {
      const { tf, clock } = await open();
      await tf.alerts.createSilence(
        { matchers: { task: "backup" }, endsAt: clock.now() + 30 * MINUTE, comment: "maintenance night" },
        "ops-lead",
      );
      const silenceEnds = clock.now() + 30 * MINUTE;
      await killOne("backup");
      await advanceUntil(
        clock,
        30_000,
        5 * MINUTE,
        async () => (await tf.alerts.list()).length === 1,
        "alert recorded",
      );
      expect(ops!.requests).toHaveLength(0);
      const [alert] = await tf.alerts.list();
      expect(alert).toMatchObject({ status: "firing", notifiedCount: 0, severity: "P1", count: 1 });

      // Passes every 5 minutes through the silence (longer than escalateAfter): the first message
      // comes only once it ended, at P1, not escalated.
      await advanceUntil(
        clock,
        5 * MINUTE,
        40 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 1),
        "sent after the silence",
      );
      expect(clock.now()).toBeGreaterThanOrEqual(silenceEnds);
      expect(ops!.accepted[0]).toMatchObject({
        rule: "job-dead",
        severity: "P1",
        subject: { task: "backup" },
        count: 1,
      });
      expect(pager!.requests).toHaveLength(0);
    });

    it("escalates an unacknowledged P1 alert to the P0 channels after escalateAfter", async () => {
      const { tf, clock } = await open();
      await killOne("billing");
      await advanceUntil(
        clock,
        30_000,
        5 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 1),
        "P1 message",
      );
      // Escalation counts from when the P1 message was written, not from when this test saw it
      // delivered (which may be a step later on a loaded machine).
      const toldAt = (await tf.alerts.list())[0]!.firstNotifiedAt!.getTime();
      await advanceUntil(
        clock,
        MINUTE,
        15 * MINUTE,
        () => Promise.resolve(pager!.accepted.length === 1),
        "escalation",
      );
      expect(pager!.accepted).toHaveLength(1);
      const escalated = (await tf.alerts.list())[0]!;
      expect(escalated.escalatedAt!.getTime() - toldAt).toBeGreaterThanOrEqual(10 * MINUTE);
      expect(pager!.accepted[0]).toMatchObject({
        severity: "P0",
        escalatedFrom: "P1",
        rule: "job-dead",
        status: "firing",
      });
      expect(ops!.accepted).toHaveLength(1);
      const [alert] = await tf.alerts.list();
      expect(alert).toMatchObject({ severity: "P0", baseSeverity: "P1" });
    });

    it("does not escalate an alert once it is acknowledged", async () => {
      const { tf, clock } = await open();
      await killOne("billing");
      await advanceUntil(
        clock,
        30_000,
        5 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 1),
        "P1 message",
      );
      const [alert] = await tf.alerts.list();
      const acknowledged = await tf.alerts.acknowledge(alert!.id, "alice");
      expect(acknowledged).toMatchObject({ acknowledgedBy: "alice" });
      expect(acknowledged.acknowledgedAt).not.toBeNull();
      await advanceUntil(
        clock,
        5 * MINUTE,
        30 * MINUTE,
        async () => {
          const [now] = await tf.alerts.list();
          return clock.now() - (now?.firstNotifiedAt?.getTime() ?? Infinity) >= 25 * MINUTE;
        },
        "well past escalateAfter",
      );
      expect(pager!.requests).toHaveLength(0);
      expect((await tf.alerts.list())[0]).toMatchObject({ severity: "P1", status: "firing" });
    });

    it("sends a resolved message when a condition clears (a due job waiting too long)", async () => {
      const { tf, clock } = await open(
        { routes: { P2: { channels: ["ops"] } }, rules: { "oldest-waiting": { threshold: "2m" } } },
        { unknownTasks: "allow" },
      );
      await tf.start();
      // No node runs this task: the job waits.
      const job = await tf.enqueue("nobody-runs-this", {});
      await advanceUntil(
        clock,
        30_000,
        5 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 1),
        "firing",
      );
      expect(ops!.accepted[0]).toMatchObject({ status: "firing", rule: "oldest-waiting", severity: "P2" });
      await tf.cancel(job.id);
      await advanceUntil(
        clock,
        30_000,
        2 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 2),
        "resolved",
      );
      expect(ops!.accepted[1]).toMatchObject({
        status: "resolved",
        rule: "oldest-waiting",
        groupKey: "oldest-waiting",
      });
      expect(ops!.accepted[1]!.title).toMatch(/^Resolved: /);
      expect(ops!.accepted[1]!.id).not.toBe(ops!.accepted[0]!.id);
      const [alert] = await tf.alerts.list();
      expect(alert).toMatchObject({ status: "resolved" });
      expect(alert!.resolvedAt).not.toBeNull();
    });

    it("fires when a schedule fails N times in a row, and resolves when its next run succeeds", async () => {
      const { tf, clock } = await open({
        routes: { P1: { channels: ["ops"] } },
        rules: { "schedule-failing": { threshold: 2 }, "job-dead": { enabled: false } },
      });
      let broken = true;
      const report = tf.task("nightly-report", {
        maxAttempts: 1,
        run: () => (broken ? Promise.reject(new Error("warehouse down")) : "ok"),
      });
      await tf.schedule("nightly", { task: report, every: "1m" });
      await tf.start();
      await advanceUntil(
        clock,
        30_000,
        10 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 1),
        "streak alert",
      );
      expect(ops!.accepted[0]).toMatchObject({
        status: "firing",
        rule: "schedule-failing",
        groupKey: "schedule-failing:schedule=nightly",
        title: "Schedule nightly failed 2 times in a row",
        subject: { task: "nightly-report", error: "warehouse down" },
      });
      broken = false;
      await advanceUntil(
        clock,
        30_000,
        10 * MINUTE,
        () => Promise.resolve(ops!.accepted.length === 2),
        "resolved",
      );
      expect(ops!.accepted[1]).toMatchObject({ status: "resolved", rule: "schedule-failing" });
    });
  },
);
