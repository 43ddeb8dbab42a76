import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { ChannelErrorCode } from "../../../../src/alerts/channels/channel-errors.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { ChannelDeliveryError, type AlertChannel } from "../../../../src/alerts/notification.js";
import { FakeClock } from "../../../../src/time/fake-clock.js";
import { aNotification, HOSTILE_ERROR } from "./notification-fixture.js";
import { neverAnswers, startReceiver, type Answer, type Receiver } from "./receiver.js";

const HOOK_TOKEN = "2d5b7a1e-33c4-4f6e-9a8b-0c1d2e3f4a5b";
const HOOK_PATH = `/open-apis/bot/v2/hook/${HOOK_TOKEN}`;
const SECRET = "fs_secret_qwertyuiop123456";
const NOW = Date.UTC(2026, 11, 6, 3, 5, 0, 900);
const OK: Answer = {
  status: 200,
  body: '{"StatusCode":0,"StatusMessage":"success","code":0,"data":{},"msg":"success"}',
};

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

type Element = { tag: string; text: string; href?: string };
interface FeishuBody {
  timestamp?: string;
  sign?: string;
  msg_type: string;
  content: { post: { zh_cn: { title: string; content: Element[][] } } };
}

/** Feishu's check, from its documentation: key "timestamp\nsecret", empty message, base64; within an hour. */
function feishuAccepts(body: FeishuBody, secret: string, nowMs: number): boolean {
  const timestamp = Number(body.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > 3600) return false;
  return body.sign === createHmac("sha256", `${timestamp}\n${secret}`).digest("base64");
}

async function feishu(
  respond: Answer | typeof neverAnswers = OK,
  secret: string | null = SECRET,
  timeoutMs?: number,
): Promise<AlertChannel> {
  receiver = await startReceiver((request) => {
    const body = JSON.parse(request.body) as FeishuBody;
    if (secret !== null && !feishuAccepts(body, secret, NOW)) {
      return {
        status: 200,
        body: '{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}',
      };
    }
    return typeof respond === "function" ? respond(request) : respond;
  });
  return createChannel(
    "ops-feishu",
    { type: "feishu", url: `${receiver.origin}${HOOK_PATH}`, ...(secret === null ? {} : { secret }) },
    {
      allow: [receiver.allowEntry],
      clock: new FakeClock(NOW),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
  );
}

function sentBody(): FeishuBody {
  return JSON.parse(receiver?.requests[0]?.body ?? "") as FeishuBody;
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelDeliveryError & { code?: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelDeliveryError);
  return error as ChannelDeliveryError & { code?: string };
}

describe("Feishu/Lark custom bot channel", () => {
  it("signs the body as Feishu checks it, and posts a rich-text message", async () => {
    const channel = await feishu();
    const report = await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(report).toEqual({ status: 200, detail: "code 0: success" });
    const body = sentBody();
    expect(body.timestamp).toBe(String(Math.floor(NOW / 1000)));
    expect(body.msg_type).toBe("post");
    const post = body.content.post.zh_cn;
    expect(post.title).toBe("[P1] FIRING Job send-email went dead (3×)");
    const lines = post.content.map((line) => line.map((element) => element.text).join(""));
    expect(lines).toEqual(
      expect.arrayContaining([
        "FIRING · severity P1",
        "Task: send-email",
        "Schedule: nightly-digest",
        "Attempt: 3",
        "Error:",
        "SMTP connection refused (ECONNREFUSED 10.0.0.5:25)",
      ]),
    );
    expect(post.content.at(-1)).toEqual([
      { tag: "a", text: "Open in the dashboard", href: "https://taskflow.example.com/dashboard/jobs/job_42" },
    ]);
  });

  it("is refused when signed with another secret, and keeps the secret and hook out of the error", async () => {
    await feishu();
    const wrong = createChannel(
      "wrong",
      { type: "feishu", url: `${receiver?.origin ?? ""}${HOOK_PATH}`, secret: "another_secret_123" },
      { allow: [receiver?.allowEntry ?? ""], clock: new FakeClock(NOW) },
    );
    const error = await failureOf(wrong.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.VendorError]);
    expect(error.report.detail).toContain("code 19021");
    for (const secret of [HOOK_TOKEN, "another_secret_123"])
      expect(`${error.message} ${error.report.detail}`).not.toContain(secret);
  });

  it("sends no signature fields without a secret", async () => {
    const channel = await feishu(OK, null);
    await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(sentBody()).not.toHaveProperty("sign");
    expect(sentBody()).not.toHaveProperty("timestamp");
  });

  it("keeps a hostile error as plain text elements, without angle brackets", async () => {
    const channel = await feishu();
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error: HOSTILE_ERROR } }),
      AbortSignal.timeout(5_000),
    );
    const elements = sentBody().content.post.zh_cn.content.flat();
    expect(elements.filter((element) => element.tag !== "text")).toHaveLength(1); // the dashboard link
    const error = elements.find((element) => element.text.startsWith("boom"));
    expect(error?.text).toBe(
      "boom ＜@U123＞ ＜!channel＞ [x](http://evil.example) ＜script＞alert(1)＜/script＞ *bold* `code` &amp;",
    );
  });

  it("keeps the request body within Feishu's 20 KB", async () => {
    const channel = await feishu();
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error: "超时 ".repeat(20_000) } }),
      AbortSignal.timeout(5_000),
    );
    const raw = receiver?.requests[0]?.body ?? "";
    expect(Buffer.byteLength(raw, "utf8")).toBeLessThanOrEqual(19_000);
    expect(raw).toContain("… (truncated)");
  });

  it("retries on code 11232 (frequency limited), 503 and a timeout; not on a bad request", async () => {
    const channel = await feishu({ status: 200, body: '{"code":11232,"msg":"frequency limited"}' });
    const limited = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([limited.retryable, limited.code]).toEqual([true, ChannelErrorCode.RateLimited]);
    receiver?.respondWith(() => ({ status: 200, body: '{"code":9499,"msg":"Bad Request"}' }));
    expect((await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)))).retryable).toBe(
      false,
    );
    receiver?.respondWith(() => ({ status: 503, body: "" }));
    expect((await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)))).retryable).toBe(true);
    await receiver?.close();
    const slow = await feishu(neverAnswers, null, 200);
    const timeout = await failureOf(slow.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([timeout.retryable, timeout.code]).toEqual([true, ChannelErrorCode.Timeout]);
  });

  it("refuses the loopback bot without an allow entry, before any request", async () => {
    receiver = await startReceiver(() => OK);
    const channel = createChannel("f", { type: "feishu", url: `${receiver.origin}${HOOK_PATH}` });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.TargetForbidden]);
    expect(receiver.requests).toHaveLength(0);
    expect(error.message).not.toContain(HOOK_TOKEN);
  });
});
