import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryAttempt } from "../../src/store/alert-store.js";
import { anAlert, writeAlert, writeMessage } from "../support/alert-rows.js";
import { backends } from "../support/backends.js";
import { openTestStore, type StoreFixture } from "../support/store-fixture.js";

const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.each(backends)("AlertStore retention contract on $name", (backend) => {
  let f: StoreFixture;
  beforeEach(async () => {
    f = await openTestStore(backend);
  });
  afterEach(async () => {
    await f.close();
  });

  const alerts = () => f.store.alerts;
  const before = () => f.clock.now() - HOUR;

  /** Claims every due message and records, for each, the outcome `outcomeOf` gives it. */
  async function deliverDue(
    outcomeOf: (id: string) => DeliveryAttempt["outcome"],
    retryInMs = 0,
  ): Promise<void> {
    const now = f.clock.now();
    for (const message of await alerts().claimOutbox("node-a", now, 30_000, 100)) {
      const outcome = outcomeOf(message.id);
      await alerts().recordDelivery({
        outboxId: message.id,
        attempt: message.attempts,
        node: "node-a",
        at: now,
        outcome,
        status: outcome === "delivered" ? 200 : 500,
        detail: outcome,
        nextAttemptAt: outcome === "retry" ? now + retryInMs : null,
      });
    }
  }

  it("deletes resolved alerts, finished messages with their deliveries and ended silences past the window, and keeps the rest", async () => {
    const t0 = f.clock.now();
    // Old: a resolved alert whose message was delivered at the second attempt; an acknowledged
    // firing alert told long ago; a firing alert whose message was given up.
    const resolved = await writeAlert(
      alerts(),
      anAlert(t0, { groupKey: "old-resolved", status: "resolved", resolvedAt: new Date(t0) }),
    );
    const acknowledged = await writeAlert(alerts(), anAlert(t0, { groupKey: "old-acknowledged" }));
    const firing = await writeAlert(alerts(), anAlert(t0, { groupKey: "old-firing" }));
    const delivered = await writeMessage(alerts(), resolved, t0);
    const toldLongAgo = await writeMessage(alerts(), acknowledged, t0);
    const givenUp = await writeMessage(alerts(), firing, t0);
    await deliverDue((id) => (id === delivered ? "retry" : id === givenUp ? "failed" : "delivered"));
    await deliverDue(() => "delivered");
    expect((await alerts().listDeliveries(resolved)).map((d) => d.outcome)).toEqual(["retry", "delivered"]);
    expect((await alerts().listOutbox(acknowledged)).map((m) => [m.id, m.status])).toEqual([
      [toldLongAgo, "delivered"],
    ]);
    expect(await alerts().acknowledge(acknowledged, "alice", t0)).not.toBeNull();
    // Old too: a resolved alert whose resolution is still being delivered (pending, retried later).
    const stillSending = await writeAlert(
      alerts(),
      anAlert(t0, { groupKey: "old-pending", status: "resolved", resolvedAt: new Date(t0) }),
    );
    const pending = await writeMessage(alerts(), stillSending, t0);
    await deliverDue(() => "retry", 24 * HOUR);
    const endedSilence = await alerts().createSilence(
      { matchers: {}, startsAt: t0, endsAt: t0 + 10 * MINUTE, comment: "", createdBy: "alice" },
      t0,
    );

    await f.clock.advance(2 * HOUR);
    const t1 = f.clock.now();
    // Recent: a resolved alert and its delivered message; a silence that ended within the
    // window; one still to end.
    const recent = await writeAlert(
      alerts(),
      anAlert(t1, { groupKey: "recent", status: "resolved", resolvedAt: new Date(t1) }),
    );
    const recentMessage = await writeMessage(alerts(), recent, t1);
    await deliverDue(() => "delivered");
    const recentlyEnded = await alerts().createSilence(
      { matchers: {}, startsAt: t0, endsAt: t1 - 30 * MINUTE, comment: "", createdBy: "alice" },
      t0,
    );
    const inForce = await alerts().createSilence(
      { matchers: {}, startsAt: t1, endsAt: t1 + HOUR, comment: "", createdBy: "alice" },
      t1,
    );

    // An alert goes only once its messages have gone.
    expect(await alerts().pruneResolvedAlerts(before(), 100)).toBe(0);
    expect(await alerts().pruneFinishedMessages(before(), 100)).toBe(3);
    expect(await alerts().pruneResolvedAlerts(before(), 100)).toBe(1);
    expect(await alerts().pruneEndedSilences(before(), 100)).toBe(1);

    const left = await alerts().listAlerts({});
    expect(left.map((a) => a.groupKey).sort()).toEqual([
      "old-acknowledged",
      "old-firing",
      "old-pending",
      "recent",
    ]);
    expect(await alerts().getAlert(resolved)).toBeNull();
    expect(await alerts().listDeliveries(resolved)).toEqual([]);
    expect(await alerts().getAlert(acknowledged)).toMatchObject({
      status: "firing",
      acknowledgedBy: "alice",
    });
    expect(await alerts().listOutbox(acknowledged)).toEqual([]);
    expect(await alerts().listDeliveries(acknowledged)).toEqual([]);
    expect(await alerts().listOutbox(firing)).toEqual([]);
    expect((await alerts().listOutbox(stillSending)).map((m) => [m.id, m.status])).toEqual([
      [pending, "pending"],
    ]);
    expect((await alerts().listOutbox(recent)).map((m) => [m.id, m.status])).toEqual([
      [recentMessage, "delivered"],
    ]);
    expect(await alerts().listDeliveries(recent)).toHaveLength(1);
    const silences = (await alerts().listSilences()).map((s) => s.id);
    expect(silences.sort()).toEqual([recentlyEnded.id, inForce.id].sort());
    expect(silences).not.toContain(endedSilence.id);

    // Nothing more to delete until time moves on.
    expect(await alerts().pruneFinishedMessages(before(), 100)).toBe(0);
    expect(await alerts().pruneResolvedAlerts(before(), 100)).toBe(0);
    expect(await alerts().pruneEndedSilences(before(), 100)).toBe(0);
  });

  it("deletes in batches of the limit given, oldest first", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const at = f.clock.now();
      ids.push(
        await writeAlert(
          alerts(),
          anAlert(at, { groupKey: `g${i}`, status: "resolved", resolvedAt: new Date(at) }),
        ),
      );
      await f.clock.advance(1_000);
    }
    await f.clock.advance(HOUR);
    const remaining = async () => (await alerts().listAlerts({})).map((a) => a.id).sort();
    expect(await alerts().pruneResolvedAlerts(before(), 2)).toBe(2);
    expect(await remaining()).toEqual(ids.slice(2).sort());
    expect(await alerts().pruneResolvedAlerts(before(), 2)).toBe(2);
    expect(await alerts().pruneResolvedAlerts(before(), 2)).toBe(1);
    expect(await alerts().pruneResolvedAlerts(before(), 2)).toBe(0);
  });

  it.skipIf(backend.name === "pglite")(
    "skips a message another transaction holds instead of waiting for it",
    async () => {
      const alert = await writeAlert(alerts(), anAlert(f.clock.now()));
      const held = await writeMessage(alerts(), alert, f.clock.now());
      await writeMessage(alerts(), alert, f.clock.now());
      await deliverDue(() => "delivered");
      await f.clock.advance(2 * HOUR);
      const pruned = await f.store.driver.transaction(async (tx) => {
        await tx.query("SELECT id FROM alert_outbox WHERE id = $1 FOR UPDATE", [held]);
        return alerts().pruneFinishedMessages(before(), 100);
      });
      expect(pruned).toBe(1);
      expect((await alerts().listOutbox(alert)).map((m) => m.id)).toEqual([held]);
    },
  );
});
