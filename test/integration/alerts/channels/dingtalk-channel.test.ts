import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelErrorCode } from "../../../../src/alerts/channels/channel-errors.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { ChannelDeliveryError, type AlertChannel } from "../../../../src/alerts/notification.js";
import { FakeClock } from "../../../../src/time/fake-clock.js";
import { aNotification, HOSTILE_ERROR } from "./notification-fixture.js";
import { neverAnswers, startReceiver, type Answer, type Receiver } from "./receiver.js";

const TOKEN = "b3b5c1f0e0d94a7a8f0c1d2e3f4a5b6c";
const SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
const NOW = Date.UTC(2026, 11, 6, 3, 5, 0, 123);
const OK: Answer = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

interface DingTalkBody {
  msgtype: string;
  markdown: { title: string; text: string };
  at: { atMobiles: string[]; isAtAll: boolean };
}

/**
 * DingTalk's check of a signed request, written from its documentation: the timestamp is
 * recent, and `sign` is the URL-encoded base64 HMAC-SHA256 of "timestamp\nsecret" keyed by the secret.
 */
function dingTalkAccepts(rawUrl: string, secret: string, now: number): boolean {
  const query = rawUrl.slice(rawUrl.indexOf("?") + 1);
  const params = Object.fromEntries(query.split("&").map((pair) => pair.split("=") as [string, string]));
  const timestamp = Number(params.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > 3_600_000) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64");
  return params.sign === encodeURIComponent(expected) && params.access_token === TOKEN;
}

async function dingTalk(
  respond: Answer | typeof neverAnswers = OK,
  extra: { secret?: string; atMobiles?: string[] } = { secret: SECRET },
  timeoutMs?: number,
): Promise<AlertChannel> {
  receiver = await startReceiver((request) => {
    if (extra.secret !== undefined && !dingTalkAccepts(request.url, extra.secret, NOW)) {
      return { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' };
    }
    return typeof respond === "function" ? respond(request) : respond;
  });
  return createChannel(
    "ops-dingtalk",
    { type: "dingtalk", url: `${receiver.origin}/robot/send?access_token=${TOKEN}`, ...extra },
    {
      allow: [receiver.allowEntry],
      clock: new FakeClock(NOW),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
  );
}

function sentBody(): DingTalkBody {
  return JSON.parse(receiver?.requests[0]?.body ?? "") as DingTalkBody;
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelDeliveryError & { code?: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelDeliveryError);
  return error as ChannelDeliveryError & { code?: string };
}

describe("DingTalk custom robot channel", () => {
  it("signs the URL as DingTalk checks it, and posts a markdown message", async () => {
    const channel = await dingTalk();
    const report = await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(report).toEqual({ status: 200, detail: "errcode 0: ok" });
    expect(receiver?.requests[0]?.url).toContain(`timestamp=${NOW}`);
    const body = sentBody();
    expect(body.msgtype).toBe("markdown");
    expect(body.markdown.title).toBe("[P1] FIRING Job send-email went dead (3×)");
    expect(body.markdown.text.split("\n\n").slice(0, 3)).toEqual([
      "### [P1] FIRING Job send-email went dead (3×)",
      "**FIRING** · severity **P1**",
      "**Task:** send-email",
    ]);
    expect(body.markdown.text).toContain("**Schedule:** nightly-digest");
    expect(body.markdown.text).toContain("**Attempt:** 3");
    expect(body.markdown.text).toContain("> SMTP connection refused (ECONNREFUSED 10.0.0.5:25)");
    expect(body.markdown.text).toContain(
      "[Open in the dashboard](https://taskflow.example.com/dashboard/jobs/job_42)",
    );
    expect(body.at).toEqual({ atMobiles: [], isAtAll: false });
  });

  it("is refused by the receiver when signed with another secret (the check is real)", async () => {
    const channel = await dingTalk();
    const wrong = createChannel(
      "wrong",
      {
        type: "dingtalk",
        url: `${receiver?.origin ?? ""}/robot/send?access_token=${TOKEN}`,
        secret: `${SECRET}x`,
      },
      { allow: [receiver?.allowEntry ?? ""], clock: new FakeClock(NOW) },
    );
    const error = await failureOf(wrong.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.VendorError]);
    expect(error.report.detail).toBe("errcode 310000: sign not match");
    expect(`${error.message} ${error.report.detail}`).not.toContain(SECRET);
    expect(error.message).not.toContain(TOKEN);
    await expect(channel.send(aNotification(), AbortSignal.timeout(5_000))).resolves.toMatchObject({
      status: 200,
    });
  });

  it("sends no signature without a secret, and mentions by mobile in `at` and in the text", async () => {
    const channel = await dingTalk(OK, { atMobiles: ["13800000000"] });
    await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(receiver?.requests[0]?.url).toBe(`/robot/send?access_token=${TOKEN}`);
    const body = sentBody();
    expect(body.at).toEqual({ atMobiles: ["13800000000"], isAtAll: false });
    expect(body.markdown.text.endsWith("@13800000000")).toBe(true);
  });

  it("renders a hostile error inert", async () => {
    const channel = await dingTalk();
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error: HOSTILE_ERROR } }),
      AbortSignal.timeout(5_000),
    );
    const text = sentBody().markdown.text;
    expect(text.replace(/^> /gm, "")).not.toMatch(/[<>`]/);
    expect(text.match(/\]\(/g)).toHaveLength(1);
    expect(text).toContain("＜@U123＞ ＜!channel＞ ［x］(http://evil.example) ＜script＞");
  });

  it("keeps the text within its byte limit", async () => {
    const channel = await dingTalk();
    const error = "错误".repeat(20_000);
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error } }),
      AbortSignal.timeout(5_000),
    );
    const text = sentBody().markdown.text;
    expect(Buffer.byteLength(text, "utf8")).toBeLessThanOrEqual(18_000);
    expect(Buffer.byteLength(text, "utf8")).toBeGreaterThan(16_000);
    expect(text).toContain("… (truncated)");
  });

  it("retries on errcode 130101 (too fast), 500 and a timeout; not on a bad token", async () => {
    const channel = await dingTalk({ status: 200, body: '{"errcode":130101,"errmsg":"send too fast"}' });
    const fast = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([fast.retryable, fast.code]).toEqual([true, ChannelErrorCode.RateLimited]);
    receiver?.respondWith(() => ({ status: 200, body: '{"errcode":300001,"errmsg":"token is not exist"}' }));
    expect((await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)))).retryable).toBe(
      false,
    );
    receiver?.respondWith(() => ({ status: 502, body: "bad gateway" }));
    expect((await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)))).retryable).toBe(true);
    await receiver?.close();
    const slow = await dingTalk(neverAnswers, {}, 200);
    const timeout = await failureOf(slow.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([timeout.retryable, timeout.code]).toEqual([true, ChannelErrorCode.Timeout]);
  });

  it("refuses the loopback robot without an allow entry, before any request", async () => {
    receiver = await startReceiver(() => OK);
    const channel = createChannel("d", {
      type: "dingtalk",
      url: `${receiver.origin}/robot/send?access_token=${TOKEN}`,
    });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.TargetForbidden]);
    expect(receiver.requests).toHaveLength(0);
  });
});
