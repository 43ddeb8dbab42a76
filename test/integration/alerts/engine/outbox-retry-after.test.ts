import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveAlertOptions } from "../../../../src/alerts/alert-options.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { OutboxDeliverer } from "../../../../src/alerts/outbox-deliverer.js";
import { anAlert, writeAlert, writeMessage } from "../../../support/alert-rows.js";
import { backends } from "../../../support/backends.js";
import { openTestStore, silentLogger, type StoreFixture } from "../../../support/store-fixture.js";
import { startReceiver, type Answer, type Receiver } from "../channels/receiver.js";

const SECOND = 1_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

describe.each(backends)("outbox retries after a receiver's Retry-After on $name", (backend) => {
  let f: StoreFixture;
  let receiver: Receiver;
  const answers: Answer[] = [];
  let deliverer: OutboxDeliverer;
  let alertId: string;

  beforeEach(async () => {
    f = await openTestStore(backend);
    // A real receiver on 127.0.0.1 answering what each test scripts, then 200.
    receiver = await startReceiver(() => answers.shift() ?? { status: 200, body: "{}" });
    const channel = createChannel(
      "ops",
      { type: "webhook", url: `${receiver.origin}/hook` },
      { allow: [receiver.allowEntry], clock: f.clock },
    );
    // The normal backoff is 10 s, doubled at each retry.
    const { delivery } = resolveAlertOptions({ delivery: { backoff: "10s", maxBackoff: "10m" } });
    deliverer = new OutboxDeliverer(
      f.store.alerts,
      f.clock,
      silentLogger,
      "node-a",
      new Map([["ops", channel]]),
      delivery,
    );
    alertId = await writeAlert(f.store.alerts, anAlert(f.clock.now()));
    await writeMessage(f.store.alerts, alertId, f.clock.now());
  });
  afterEach(async () => {
    answers.length = 0;
    await receiver.close();
    await f.close();
  });

  const message = async () => (await f.store.alerts.listOutbox(alertId))[0]!;
  const deliveries = () => f.store.alerts.listDeliveries(alertId);

  /** Delivers what is due now; returns the pending message's next attempt, as ms from now. */
  async function attempt(): Promise<number> {
    expect(await deliverer.deliverDue()).toBe(1);
    return (await message()).nextAttemptAt.getTime() - f.clock.now();
  }

  /** Nothing goes out a moment before `waitMs`; at `waitMs` the next attempt does. */
  async function expectNextAttemptAfter(waitMs: number): Promise<void> {
    const requests = receiver.requests.length;
    await f.clock.advance(waitMs - 1);
    expect(await deliverer.deliverDue()).toBe(0);
    expect(receiver.requests).toHaveLength(requests);
    await f.clock.advance(1);
  }

  it("waits as long as a 429's Retry-After in seconds asks, not the shorter backoff", async () => {
    answers.push({ status: 429, body: '{"error":"slow down"}', headers: { "retry-after": "120" } });
    expect(await attempt()).toBe(120 * SECOND);
    expect(await message()).toMatchObject({ status: "pending", attempts: 1 });
    const [first] = await deliveries();
    expect(first).toMatchObject({ outcome: "retry", status: 429 });
    expect(first!.detail).toBe('{"error":"slow down"} (Retry-After: 120 s)');

    await expectNextAttemptAfter(120 * SECOND);
    expect(await deliverer.deliverDue()).toBe(1);
    expect(await message()).toMatchObject({ status: "delivered", attempts: 2 });
    expect(receiver.requests).toHaveLength(2);
  });

  it("waits until the HTTP date a 503's Retry-After names", async () => {
    const back = f.clock.now() + 5 * MINUTE;
    answers.push({
      status: 503,
      body: "maintenance",
      headers: { "retry-after": new Date(back).toUTCString() },
    });
    expect(await attempt()).toBe(5 * MINUTE);
    expect((await message()).nextAttemptAt).toEqual(new Date(back));
    await expectNextAttemptAfter(5 * MINUTE);
    expect(await deliverer.deliverDue()).toBe(1);
    expect(await message()).toMatchObject({ status: "delivered" });
  });

  it("waits at most an hour whatever the receiver asks, and at least a second", async () => {
    answers.push(
      { status: 429, body: "", headers: { "retry-after": String(24 * 3600) } },
      { status: 503, body: "", headers: { "retry-after": "0" } },
      { status: 429, body: "", headers: { "retry-after": new Date(f.clock.now() - HOUR).toUTCString() } },
    );
    expect(await attempt()).toBe(HOUR);
    await f.clock.advance(HOUR);
    expect(await attempt()).toBe(SECOND);
    await f.clock.advance(SECOND);
    expect(await attempt()).toBe(SECOND);
    await f.clock.advance(SECOND);
    expect(await deliverer.deliverDue()).toBe(1);
    expect((await deliveries()).map((d) => [d.outcome, d.status])).toEqual([
      ["retry", 429],
      ["retry", 503],
      ["retry", 429],
      ["delivered", 200],
    ]);
  });

  it("keeps the backoff for a Retry-After on another status, one it cannot read, or none", async () => {
    answers.push(
      { status: 500, body: "", headers: { "retry-after": "120" } },
      { status: 429, body: "", headers: { "retry-after": "soon" } },
      { status: 503, body: "" },
    );
    expect(await attempt()).toBe(10 * SECOND);
    await f.clock.advance(10 * SECOND);
    expect(await attempt()).toBe(20 * SECOND);
    await f.clock.advance(20 * SECOND);
    expect(await attempt()).toBe(40 * SECOND);
    expect((await deliveries()).every((d) => !d.detail.includes("Retry-After"))).toBe(true);
  });
});
