import { afterEach, describe, expect, it } from "vitest";
import { PermanentError } from "../../../../src/index.js";
import { startAlertReceiver, type AlertReceiver } from "../../../support/alert-receiver.js";
import { backends } from "../../../support/backends.js";
import {
  advanceUntil,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../../../support/taskflow-fixture.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.each(backends)("alert retention on $name", { timeout: 120_000 }, (backend) => {
  let f: TaskFlowFixture | undefined;
  let ops: AlertReceiver | undefined;
  afterEach(async () => {
    await f?.close();
    await ops?.close();
    f = ops = undefined;
  });

  it("deletes a resolved alert and its messages after the retention window, and keeps a firing one", async () => {
    ops = await startAlertReceiver();
    // Two hours of fake time: periodic timers this test is not about run seldom.
    f = await openTestTaskFlow(backend, {
      unknownTasks: "allow",
      scheduler: { pollInterval: "1h" },
      worker: { pollInterval: "1h", reapInterval: "1h" },
      maintenance: { retention: "1h", leaseTtl: "1h" },
      alerts: {
        channels: { ops: ops.channel },
        routes: { P1: { channels: ["ops"] }, P2: { channels: ["ops"] } },
        allow: ops.allow,
        evaluateEvery: "1m",
        rules: { "job-dead": { resolveAfter: "5m" }, "oldest-waiting": { threshold: "2m" } },
        // Fake time moves in big steps while a delivery does real I/O: a delivery timeout
        // on the fake clock would cut it short, so it is out of reach here.
        delivery: { timeout: "1h", pollEvery: "1m" },
      },
    });
    const { tf, clock } = f;
    const broken = tf.task("nightly", { run: () => Promise.reject(new PermanentError("disk full")) });
    await tf.start();
    await tf.enqueue(broken, {});
    await until(async () => (await tf.countDead({ task: "nightly" })) === 1, "dead job");
    // No node runs this task: the job waits, and its alert fires for as long as the test lasts.
    await tf.enqueue("nobody-runs-this", {});
    const accepted = (rule: string, status: string) =>
      ops!.accepted.filter((m) => m.rule === rule && m.status === status).length;
    await advanceUntil(
      clock,
      MINUTE,
      30 * MINUTE,
      () =>
        Promise.resolve(accepted("job-dead", "resolved") === 1 && accepted("oldest-waiting", "firing") === 1),
      "job-dead told and resolved, oldest-waiting told",
    );
    const dead = (await tf.alerts.list({ status: "resolved" }))[0]!;
    const waiting = (await tf.alerts.list({ status: "firing" }))[0]!;
    expect(dead).toMatchObject({ rule: "job-dead" });
    expect(waiting).toMatchObject({ rule: "oldest-waiting" });
    await until(
      async () => (await tf.alerts.get(dead.id)).messages.every((m) => m.status === "delivered"),
      "resolution recorded as delivered",
    );
    expect((await tf.alerts.get(dead.id)).deliveries).toHaveLength(2);

    await advanceUntil(
      clock,
      5 * MINUTE,
      2 * HOUR,
      async () => (await tf.alerts.list()).every((a) => a.id !== dead.id),
      "resolved alert pruned",
    );
    expect(clock.now() - dead.resolvedAt!.getTime()).toBeGreaterThan(HOUR);
    await expect(tf.alerts.get(dead.id)).rejects.toMatchObject({ code: "ALERT_NOT_FOUND" });
    // The firing alert stays, whatever its age; its message, sent over an hour ago, is gone.
    const kept = await tf.alerts.get(waiting.id);
    expect(kept.alert).toMatchObject({ status: "firing", rule: "oldest-waiting", notifiedCount: 1 });
    expect(clock.now() - kept.alert.firstAt.getTime()).toBeGreaterThan(HOUR);
    expect(kept.messages).toEqual([]);
    expect(kept.deliveries).toEqual([]);
  });
});
