import { afterEach, describe, expect, it } from "vitest";
import { ChannelErrorCode } from "../../../../src/alerts/channels/channel-errors.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { ChannelDeliveryError } from "../../../../src/alerts/notification.js";
import { aNotification, HOSTILE_ERROR } from "./notification-fixture.js";
import { neverAnswers, startReceiver, type Receiver } from "./receiver.js";

const HOOK_PATH = "/services/T0AAA1111/B0BBB2222/sEcReTtOkEn123456789";

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

interface SlackBody {
  text: string;
  blocks: {
    type: string;
    text?: { type: string; text: string };
    fields?: { text: string }[];
    elements?: { url: string }[];
  }[];
}

/** Every mrkdwn text of a message, where Slack would interpret links and mentions. */
function mrkdwnTexts(body: SlackBody): string[] {
  const texts = [body.text];
  for (const block of body.blocks) {
    if (block.text?.type === "mrkdwn") texts.push(block.text.text);
    for (const field of block.fields ?? []) texts.push(field.text);
  }
  return texts;
}

async function slackChannel(options: { timeoutMs?: number } = {}) {
  receiver ??= await startReceiver(() => ({ status: 200, body: "ok", contentType: "text/plain" }));
  return createChannel(
    "ops-slack",
    { type: "slack", url: `${receiver.origin}${HOOK_PATH}` },
    {
      allow: [receiver.allowEntry],
      ...options,
    },
  );
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelDeliveryError & { code?: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelDeliveryError);
  return error as ChannelDeliveryError & { code?: string };
}

describe("Slack channel", () => {
  it("posts text and blocks naming the task, schedule, error, attempt and link", async () => {
    const channel = await slackChannel();
    const report = await channel.send(aNotification({ escalatedFrom: "P2" }), AbortSignal.timeout(5_000));
    expect(report).toEqual({ status: 200, detail: "ok" });
    const request = receiver?.requests[0];
    expect(request?.url).toBe(HOOK_PATH);
    const body = JSON.parse(request?.body ?? "") as SlackBody;
    expect(body.text).toBe("[P1] FIRING ESCALATED Job send-email went dead (3×)");
    expect(body.blocks.map((block) => block.type)).toEqual([
      "header",
      "section",
      "section",
      "section",
      "section",
      "actions",
    ]);
    expect(body.blocks[0]?.text?.text).toBe("🔴 [P1] FIRING ESCALATED Job send-email went dead (3×)");
    expect(body.blocks[1]?.text?.text).toContain("⬆ escalated from P2");
    const fields = body.blocks[2]?.fields?.map((field) => field.text);
    expect(fields).toEqual(
      expect.arrayContaining([
        "*Task*\nsend-email",
        "*Schedule*\nnightly-digest",
        "*Queue*\ndefault",
        "*Attempt*\n3",
        "*Events*\n3, first 2026-12-06 03:00:00 UTC, last 2026-12-06 03:04:30 UTC",
      ]),
    );
    expect(body.blocks[4]?.text?.text).toBe(
      "*Error*\n```SMTP connection refused (ECONNREFUSED 10.0.0.5:25)```",
    );
    expect(body.blocks[5]?.elements?.[0]?.url).toBe("https://taskflow.example.com/dashboard/jobs/job_42");
  });

  it("says RESOLVED for a resolution", async () => {
    const channel = await slackChannel();
    await channel.send(aNotification({ status: "resolved" }), AbortSignal.timeout(5_000));
    const body = JSON.parse(receiver?.requests[0]?.body ?? "") as SlackBody;
    expect(body.blocks[0]?.text?.text).toBe("✅ [P1] RESOLVED Job send-email went dead (3×)");
  });

  it("renders a hostile error text inert: no mention, link or tag reaches Slack's mrkdwn", async () => {
    const channel = await slackChannel();
    await channel.send(
      aNotification({
        title: "Job <!here> failed",
        summary: HOSTILE_ERROR,
        subject: { ...aNotification().subject, error: HOSTILE_ERROR },
      }),
      AbortSignal.timeout(5_000),
    );
    const body = JSON.parse(receiver?.requests[0]?.body ?? "") as SlackBody;
    for (const text of mrkdwnTexts(body)) {
      // `<…>` is how mrkdwn spells links and mentions; escaped, it is shown as written.
      expect(text).not.toMatch(/[<>]/);
    }
    const error = body.blocks.find((block) => block.text?.text.startsWith("*Error*"))?.text?.text ?? "";
    expect(error).toContain("&lt;@U123&gt; &lt;!channel&gt;");
    expect(error).toContain("&lt;script&gt;");
    // A backtick in the error cannot close the code block early.
    expect(error.slice("*Error*\n```".length, -3)).not.toContain("`");
    expect(error).toContain("&amp;amp;");
  });

  it("keeps every section within Slack's 3000 characters when the error is huge", async () => {
    const channel = await slackChannel();
    const huge = `${"stack frame at line 1\n".repeat(2_000)}𝒳 end`;
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error: huge } }),
      AbortSignal.timeout(5_000),
    );
    const body = JSON.parse(receiver?.requests[0]?.body ?? "") as SlackBody;
    const error = body.blocks.find((block) => block.text?.text.startsWith("*Error*"))?.text?.text ?? "";
    expect(error.length).toBeLessThanOrEqual(3000);
    expect(error.length).toBeGreaterThan(2500);
    expect(error).toContain("… (truncated)");
    expect(error.endsWith("```")).toBe(true);
    for (const text of mrkdwnTexts(body)) expect(text.length).toBeLessThanOrEqual(3000);
  });

  it("fails without retry on channel_not_found, and never shows the hook token", async () => {
    receiver = await startReceiver(() => ({
      status: 404,
      body: "channel_not_found",
      contentType: "text/plain",
    }));
    const channel = await slackChannel();
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.retryable).toBe(false);
    expect(error.report).toEqual({ status: 404, detail: "channel_not_found" });
    expect(error.message).toContain("/services/[REDACTED]");
    for (const part of HOOK_PATH.split("/").slice(2)) expect(error.message).not.toContain(part);
  });

  it("retries on rate limiting and server errors", async () => {
    receiver = await startReceiver(() => ({ status: 429, body: "rate_limited", contentType: "text/plain" }));
    const channel = await slackChannel();
    const limited = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([limited.retryable, limited.code]).toEqual([true, ChannelErrorCode.RateLimited]);
    receiver.respondWith(() => ({ status: 500, body: "rollup_error", contentType: "text/plain" }));
    const down = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([down.retryable, down.report.status]).toEqual([true, 500]);
  });

  it("times out against a Slack that never answers", async () => {
    receiver = await startReceiver(neverAnswers);
    const channel = await slackChannel({ timeoutMs: 200 });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([error.retryable, error.code]).toEqual([true, ChannelErrorCode.Timeout]);
  });

  it("refuses the loopback hook without an allow entry, before a request is made", async () => {
    receiver = await startReceiver(() => ({ status: 200, body: "ok" }));
    const channel = createChannel("s", { type: "slack", url: `${receiver.origin}${HOOK_PATH}` });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.TargetForbidden]);
    expect(receiver.requests).toHaveLength(0);
    expect(error.message).not.toContain("sEcReTtOkEn123456789");
  });
});
