import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelErrorCode } from "../../../../src/alerts/channels/channel-errors.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { ChannelDeliveryError } from "../../../../src/alerts/notification.js";
import { FakeClock } from "../../../../src/time/fake-clock.js";
import { aNotification } from "./notification-fixture.js";
import { neverAnswers, startReceiver, type Receiver } from "./receiver.js";

const SECRET = "whsec_test_0123456789abcdef";
const NOW = Date.UTC(2026, 11, 6, 3, 5, 0);

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function failureOf(promise: Promise<unknown>): Promise<ChannelDeliveryError & { code?: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelDeliveryError);
  return error as ChannelDeliveryError & { code?: string };
}

describe("generic webhook channel", () => {
  it("POSTs the notification as JSON, signed over the timestamp and the body", async () => {
    receiver = await startReceiver(() => ({ status: 200, body: '{"ok":true}' }));
    const channel = createChannel(
      "ops-hook",
      { type: "webhook", url: `${receiver.origin}/hooks/taskflow`, secret: SECRET },
      { allow: [receiver.allowEntry], clock: new FakeClock(NOW) },
    );
    const report = await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(report).toEqual({ status: 200, detail: '{"ok":true}' });

    const [request] = receiver.requests;
    expect(receiver.requests).toHaveLength(1);
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/hooks/taskflow");
    expect(request?.headers["content-type"]).toMatch(/^application\/json/);
    expect(request?.headers["x-taskflow-delivery"]).toBe("ntf_01HZX3");
    const timestamp = request?.headers["x-taskflow-timestamp"];
    expect(timestamp).toBe(String(NOW / 1000));
    // The receiver's check, computed here from the documented algorithm.
    const expected = createHmac("sha256", SECRET)
      .update(`${String(timestamp)}.${request?.body ?? ""}`)
      .digest("hex");
    expect(request?.headers["x-taskflow-signature"]).toBe(`sha256=${expected}`);

    expect(JSON.parse(request?.body ?? "")).toEqual({
      version: 1,
      id: "ntf_01HZX3",
      status: "firing",
      severity: "P1",
      escalatedFrom: null,
      rule: "job-dead",
      groupKey: "job-dead:task=send-email",
      title: "Job send-email went dead",
      summary: "send-email failed 3 times and will not be retried.",
      count: 3,
      firstAt: "2026-12-06T03:00:00.000Z",
      lastAt: "2026-12-06T03:04:30.000Z",
      subject: {
        task: "send-email",
        scheduleId: "nightly-digest",
        queue: "default",
        jobId: "job_42",
        attempt: 3,
        error: "SMTP connection refused (ECONNREFUSED 10.0.0.5:25)",
      },
      link: "https://taskflow.example.com/dashboard/jobs/job_42",
      labels: { node: "worker-1" },
    });
  });

  it("sends no signature headers without a secret, and the configured headers", async () => {
    receiver = await startReceiver(() => ({ status: 204, body: "" }));
    const channel = createChannel(
      "plain",
      { type: "webhook", url: `${receiver.origin}/in`, headers: { "X-Team": "payments" } },
      { allow: [receiver.allowEntry] },
    );
    const report = await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(report.status).toBe(204);
    const headers = receiver.requests[0]?.headers ?? {};
    expect(headers["x-taskflow-signature"]).toBeUndefined();
    expect(headers["x-taskflow-timestamp"]).toBeUndefined();
    expect(headers["x-team"]).toBe("payments");
    expect(headers["x-taskflow-delivery"]).toBe("ntf_01HZX3");
  });

  it.each([
    [500, true, ChannelErrorCode.Rejected],
    [503, true, ChannelErrorCode.Rejected],
    [408, true, ChannelErrorCode.Rejected],
    [429, true, ChannelErrorCode.RateLimited],
    [400, false, ChannelErrorCode.Rejected],
    [401, false, ChannelErrorCode.Rejected],
    [404, false, ChannelErrorCode.Rejected],
  ])("treats an answer %i as a failure, retryable: %s", async (status, retryable, code) => {
    receiver = await startReceiver(() => ({ status, body: `{"error":"status ${status}"}` }));
    const channel = createChannel(
      "h",
      { type: "webhook", url: `${receiver.origin}/x` },
      { allow: [receiver.allowEntry] },
    );
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.retryable).toBe(retryable);
    expect(error.code).toBe(code);
    expect(error.report).toEqual({ status, detail: `{"error":"status ${status}"}` });
    expect(error.message).toContain(`answered ${status}`);
  });

  it("does not follow a redirect", async () => {
    receiver = await startReceiver((request) =>
      request.url === "/moved" ? { status: 302, body: "" } : { status: 200, body: "followed" },
    );
    const channel = createChannel(
      "h",
      { type: "webhook", url: `${receiver.origin}/moved` },
      { allow: [receiver.allowEntry] },
    );
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.report.status).toBe(302);
    expect(error.retryable).toBe(false);
    expect(receiver.requests).toHaveLength(1);
  });

  it("times out against a receiver that never answers, as a retryable failure", async () => {
    receiver = await startReceiver(neverAnswers);
    const channel = createChannel(
      "h",
      { type: "webhook", url: `${receiver.origin}/slow` },
      { allow: [receiver.allowEntry], timeoutMs: 200 },
    );
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect(error.retryable).toBe(true);
    expect(error.code).toBe(ChannelErrorCode.Timeout);
    expect(error.report).toEqual({ status: null, detail: "timed out after 200 ms" });
  });

  it("stops when the caller's signal aborts", async () => {
    receiver = await startReceiver(neverAnswers);
    const channel = createChannel(
      "h",
      { type: "webhook", url: `${receiver.origin}/slow` },
      { allow: [receiver.allowEntry], timeoutMs: 60_000 },
    );
    const controller = new AbortController();
    const sending = channel.send(aNotification(), controller.signal);
    // Abort once the receiver holds the request, so the abort cuts a live exchange.
    await waitFor(() => receiver?.requests.length === 1);
    controller.abort(new Error("delivery deadline"));
    const error = await failureOf(sending);
    expect(error.retryable).toBe(true);
    expect(error.code).toBe(ChannelErrorCode.Timeout);
    expect(error.message).toContain("delivery deadline");
  });

  it("refuses a loopback receiver that is not allow-listed, before it sees a request", async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "ok" }));
    const channel = createChannel("h", { type: "webhook", url: `${receiver.origin}/x` });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.retryable).toBe(false);
    expect(error.code).toBe(ChannelErrorCode.TargetForbidden);
    expect(error.message).toContain("loopback");
    expect(receiver.requests).toHaveLength(0);
  });

  it("refuses a host name that resolves to loopback", async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "ok" }));
    const port = receiver.allowEntry.split(":")[1] ?? "";
    const channel = createChannel("h", { type: "webhook", url: `http://localhost:${port}/x` });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.code).toBe(ChannelErrorCode.TargetForbidden);
    expect(receiver.requests).toHaveLength(0);
  });

  it("keeps the secret, credential headers and URL token out of errors and reports", async () => {
    const token = "qtok_4f9a8b7c6d5e";
    const bearer = "bearer_abcdef123456";
    // A receiver that echoes what it was sent: a common shape of error page.
    receiver = await startReceiver((request) => ({
      status: 401,
      body: JSON.stringify({ url: request.url, headers: request.headers }),
    }));
    const channel = createChannel(
      "h",
      {
        type: "webhook",
        url: `${receiver.origin}/x?token=${token}`,
        secret: SECRET,
        headers: { Authorization: `Bearer ${bearer}` },
      },
      { allow: [receiver.allowEntry] },
    );
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    const everything = `${error.message} ${error.report.detail} ${String(error.stack)}`;
    expect(everything).toContain("[REDACTED]");
    for (const secret of [token, bearer, SECRET]) expect(everything).not.toContain(secret);
  });

  it("reads at most maxResponseBytes of an answer", async () => {
    receiver = await startReceiver(() => ({ status: 500, body: "x".repeat(2_000_000) }));
    const channel = createChannel(
      "h",
      { type: "webhook", url: `${receiver.origin}/x` },
      { allow: [receiver.allowEntry], maxResponseBytes: 1024 },
    );
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.retryable).toBe(true);
    expect(error.report.detail.length).toBeLessThan(400);
  });

  it("reports a refused connection as a retryable network failure", async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "ok" }));
    const { origin, allowEntry } = receiver;
    await receiver.close();
    receiver = undefined;
    const channel = createChannel("h", { type: "webhook", url: `${origin}/x` }, { allow: [allowEntry] });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.retryable).toBe(true);
    expect(error.code).toBe(ChannelErrorCode.Network);
    expect(error.message).toContain("ECONNREFUSED");
  });
});

/** Resolves when `condition` holds, checking on each turn of the event loop (no fixed sleep). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("condition never held");
}
