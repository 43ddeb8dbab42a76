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

describe.each(backends)("alert grouping and delivery on $name", { timeout: 120_000 }, (backend) => {
  let f: TaskFlowFixture | undefined;
  let hook: AlertReceiver | undefined;
  afterEach(async () => {
    await f?.close();
    await hook?.close();
    f = undefined;
    hook = undefined;
  });

  async function open(alerts: Record<string, unknown> = {}): Promise<TaskFlowFixture> {
    hook = await startAlertReceiver();
    f = await openTestTaskFlow(backend, {
      alerts: {
        channels: { ops: hook.channel },
        routes: { P0: { channels: ["ops"] }, P1: { channels: ["ops"] }, P2: { channels: ["ops"] } },
        allow: hook.allow,
        evaluateEvery: "1m",
        // Fake time moves in big steps while a delivery does real I/O: a delivery timeout
        // on the fake clock would cut it short, so it is out of reach here.
        delivery: { timeout: "1h" },
        ...alerts,
      },
    });
    return f;
  }

  it("tells 40 dead jobs of one task in one signed message with the count, and a repeat within the window does not notify", async () => {
    const { tf, clock } = await open({ groupWindow: "10m" });
    const broken = tf.task("send-email", { run: () => Promise.reject(new PermanentError("smtp refused")) });
    await tf.start();
    await tf.enqueueMany(Array.from({ length: 40 }, (_, i) => ({ task: broken, payload: { i } })));
    await until(async () => (await tf.countDead({ task: "send-email" })) === 40, "40 dead jobs");

    await advanceUntil(clock, 5_000, 120_000, () => Promise.resolve(hook!.accepted.length > 0), "a message");
    expect(hook!.accepted).toHaveLength(1);
    expect(hook!.accepted[0]).toMatchObject({
      status: "firing",
      severity: "P1",
      rule: "job-dead",
      groupKey: "job-dead:task=send-email",
      count: 40,
      title: "Job send-email went dead (40 times)",
      subject: { task: "send-email", error: "smtp refused" },
    });

    // One more dead job within the window: counted, not told.
    await tf.enqueue(broken, { i: 40 });
    await until(async () => (await tf.countDead({ task: "send-email" })) === 41, "41st dead job");
    await clock.advance(2 * 60_000);
    await advanceUntil(
      clock,
      5_000,
      60_000,
      async () => (await tf.alerts.list())[0]?.count === 41,
      "counted",
    );
    expect(hook!.accepted).toHaveLength(1);

    // After the window, one update with the count so far.
    await advanceUntil(
      clock,
      30_000,
      15 * 60_000,
      () => Promise.resolve(hook!.accepted.length === 2),
      "the update",
    );
    expect(hook!.accepted[1]).toMatchObject({ status: "firing", count: 41 });
    expect(hook!.accepted[1]!.id).not.toBe(hook!.accepted[0]!.id);
    const [alert] = await tf.alerts.list();
    expect(alert).toMatchObject({ status: "firing", count: 41, notifiedCount: 41 });
  });

  it("retries a delivery the receiver refused with 500 after the backoff, and records each attempt", async () => {
    const { tf, clock } = await open({ delivery: { backoff: "30s", timeout: "1h" } });
    const broken = tf.task("nightly-report", { run: () => Promise.reject(new PermanentError("disk full")) });
    hook!.script({ status: 500, body: "receiver overloaded" });
    await tf.start();
    await tf.enqueue(broken, {});
    await until(async () => (await tf.countDead({ task: "nightly-report" })) === 1, "dead job");
    await advanceUntil(
      clock,
      5_000,
      120_000,
      () => Promise.resolve(hook!.requests.length === 1),
      "first attempt",
    );
    const [alert] = await tf.alerts.list();
    await until(
      async () => (await tf.alerts.get(alert!.id)).deliveries.length === 1,
      "first attempt recorded",
    );
    expect(hook!.accepted).toHaveLength(0);

    // Not before the backoff, counted from the first attempt (the steps above may have moved the
    // clock past it by up to a step while its request was in flight).
    const [first] = (await tf.alerts.get(alert!.id)).deliveries;
    await clock.advance(first!.at.getTime() + 25_000 - clock.now());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(hook!.requests).toHaveLength(1);
    await advanceUntil(
      clock,
      1_000,
      30_000,
      () => Promise.resolve(hook!.accepted.length === 1),
      "second attempt",
    );
    await until(
      async () => (await tf.alerts.get(alert!.id)).deliveries.length === 2,
      "second attempt recorded",
    );

    const detail = await tf.alerts.get(alert!.id);
    expect(
      detail.deliveries.map((d) => ({ outcome: d.outcome, status: d.status, attempt: d.attempt })),
    ).toEqual([
      { outcome: "retry", status: 500, attempt: 1 },
      { outcome: "delivered", status: 200, attempt: 2 },
    ]);
    expect(detail.deliveries[0]!.detail).toContain("receiver overloaded");
    expect(detail.deliveries[1]!.at.getTime() - detail.deliveries[0]!.at.getTime()).toBeGreaterThanOrEqual(
      30_000,
    );
    expect(detail.messages).toHaveLength(1);
    expect(detail.messages[0]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(new Set(hook!.requests.map((r) => r.headers["x-taskflow-delivery"]))).toEqual(
      new Set([detail.messages[0]!.id]),
    );
  });

  it("sends a failed compensation as P0 to the P0 channel only", async () => {
    const pager = await startAlertReceiver("/pager");
    try {
      hook = await startAlertReceiver();
      f = await openTestTaskFlow(backend, {
        alerts: {
          channels: { ops: hook.channel, pager: pager.channel },
          routes: { P0: { channels: ["pager"] }, P1: { channels: ["ops"] }, P2: { channels: ["ops"] } },
          allow: [...hook.allow, ...pager.allow],
          evaluateEvery: "1m",
          // Fake time moves in big steps while a delivery does real I/O: a delivery timeout
          // on the fake clock would cut it short, so it is out of reach here.
          delivery: { timeout: "1h" },
        },
      });
      const { tf, clock } = f;
      const saga = tf.saga<{ order: number }>("refund", {
        compensation: { maxAttempts: 1 },
        steps: [
          {
            name: "reserve",
            run: () => "r-1",
            compensate: () => Promise.reject(new Error("inventory service down")),
          },
          { name: "pay", run: () => Promise.reject(new PermanentError("card declined")), irreversible: true },
        ],
      });
      await tf.start();
      const job = await tf.enqueue(saga, { order: 7 });
      await advanceUntil(
        clock,
        1_000,
        10_000,
        async () => (await tf.getJob(job.id))?.state === "compensation_failed",
        "compensation_failed",
      );
      await advanceUntil(
        clock,
        5_000,
        120_000,
        () => Promise.resolve(pager.accepted.length === 1),
        "P0 message",
      );
      expect(pager.accepted[0]).toMatchObject({
        severity: "P0",
        rule: "compensation-failed",
        groupKey: "compensation-failed:task=refund",
        count: 1,
        subject: { task: "refund", jobId: job.id, error: "inventory service down" },
      });
      expect(hook.accepted).toHaveLength(0);
    } finally {
      await pager.close();
    }
  });

  it("records alerts without sending when no channel is configured", async () => {
    f = await openTestTaskFlow(backend, { alerts: { evaluateEvery: "1m" } });
    const { tf, clock } = f;
    const broken = tf.task("quiet", { run: () => Promise.reject(new PermanentError("nope")) });
    await tf.start();
    await tf.enqueue(broken, {});
    await until(async () => (await tf.countDead({ task: "quiet" })) === 1, "dead job");
    await advanceUntil(
      clock,
      5_000,
      120_000,
      async () => (await tf.alerts.list()).length === 1,
      "alert recorded",
    );
    const [alert] = await tf.alerts.list();
    expect(alert).toMatchObject({ rule: "job-dead", count: 1, status: "firing" });
    expect((await tf.alerts.get(alert!.id)).messages).toEqual([]);
  });
});
