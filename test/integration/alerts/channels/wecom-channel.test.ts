import { afterEach, describe, expect, it } from "vitest";
import { ChannelErrorCode } from "../../../../src/alerts/channels/channel-errors.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import { ChannelDeliveryError, type AlertChannel } from "../../../../src/alerts/notification.js";
import { aNotification, HOSTILE_ERROR } from "./notification-fixture.js";
import { neverAnswers, startReceiver, type Answer, type Receiver } from "./receiver.js";

const KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
const OK: Answer = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

interface WeComBody {
  msgtype: string;
  markdown?: { content: string };
  text?: { content: string; mentioned_mobile_list: string[] };
}

async function weCom(
  answer: Answer | typeof neverAnswers = OK,
  extra: { mentionedMobiles?: string[] } = {},
  timeoutMs?: number,
): Promise<AlertChannel> {
  receiver = await startReceiver(typeof answer === "function" ? answer : () => answer);
  return createChannel(
    "ops-wecom",
    { type: "wecom", url: `${receiver.origin}/cgi-bin/webhook/send?key=${KEY}`, ...extra },
    { allow: [receiver.allowEntry], ...(timeoutMs === undefined ? {} : { timeoutMs }) },
  );
}

function sentBody(): WeComBody {
  return JSON.parse(receiver?.requests[0]?.body ?? "") as WeComBody;
}

async function failureOf(promise: Promise<unknown>): Promise<ChannelDeliveryError & { code?: string }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ChannelDeliveryError);
  return error as ChannelDeliveryError & { code?: string };
}

describe("WeCom group robot channel", () => {
  it("posts a markdown message with the key in the query, and accepts errcode 0", async () => {
    const channel = await weCom();
    const report = await channel.send(aNotification(), AbortSignal.timeout(5_000));
    expect(report).toEqual({ status: 200, detail: "errcode 0: ok" });
    expect(receiver?.requests[0]?.url).toBe(`/cgi-bin/webhook/send?key=${KEY}`);
    const body = sentBody();
    expect(body.msgtype).toBe("markdown");
    const content = body.markdown?.content ?? "";
    expect(content.split("\n").slice(0, 2)).toEqual([
      "### [P1] FIRING Job send-email went dead (3×)",
      '**<font color="warning">FIRING</font>** · severity **P1**',
    ]);
    expect(content).toContain("**Task:** send-email");
    expect(content).toContain("**Schedule:** nightly-digest");
    expect(content).toContain("**Attempt:** 3");
    expect(content).toContain("> SMTP connection refused (ECONNREFUSED 10.0.0.5:25)");
    expect(content).toContain("[Open in the dashboard](https://taskflow.example.com/dashboard/jobs/job_42)");
  });

  it("renders a hostile error inert: no tag, mention or link of the error reaches the markdown", async () => {
    const channel = await weCom();
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error: HOSTILE_ERROR } }),
      AbortSignal.timeout(5_000),
    );
    const content = sentBody().markdown?.content ?? "";
    const errorPart = content.slice(
      content.indexOf("**Error:**"),
      content.indexOf("[Open in the dashboard]"),
    );
    // Our quote prefix (`> `) aside, no markup character of the error is left.
    expect(errorPart.slice("**Error:**".length).replace(/^> /gm, "")).not.toMatch(/[<>[\]`*]/);
    expect(errorPart).toContain("＜@U123＞");
    expect(errorPart).toContain("［x］(http://evil.example)");
    expect(errorPart).toContain("＜script＞");
    // Our own markup is the only live markup: one link, the dashboard's.
    expect(content.match(/\]\(/g)).toHaveLength(1);
    expect(content.replace(/<font color="\w+">|<\/font>|^> /gm, "")).not.toMatch(/[<>]/);
  });

  it("keeps the content within 4096 bytes, cutting the error on a whole character", async () => {
    const channel = await weCom();
    const error = "数据库连接失败 <tag> ".repeat(1_000);
    await channel.send(
      aNotification({ subject: { ...aNotification().subject, error } }),
      AbortSignal.timeout(5_000),
    );
    const content = sentBody().markdown?.content ?? "";
    expect(Buffer.byteLength(content, "utf8")).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(content, "utf8")).toBeGreaterThan(3500);
    expect(content).not.toContain("\uFFFD");
    expect(content).toContain("… (truncated)");
    expect(content).toContain("[Open in the dashboard]");
  });

  it("mentions by mobile with a text message", async () => {
    const channel = await weCom(OK, { mentionedMobiles: ["+8613800000000", "@all"] });
    await channel.send(aNotification(), AbortSignal.timeout(5_000));
    const body = sentBody();
    expect(body.msgtype).toBe("text");
    expect(body.text?.mentioned_mobile_list).toEqual(["+8613800000000", "@all"]);
    expect(body.text?.content).toContain("[P1] FIRING Job send-email went dead (3×)");
    expect(body.text?.content).toContain("Task: send-email");
  });

  it("treats errcode 45009 (rate limit) as retryable, though the HTTP status is 200", async () => {
    const channel = await weCom({ status: 200, body: '{"errcode":45009,"errmsg":"api freq out of limit"}' });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([true, ChannelErrorCode.RateLimited]);
    expect(error.report).toEqual({ status: 200, detail: "errcode 45009: api freq out of limit" });
  });

  it("treats an invalid key (93000) as final, and keeps the key out of the error", async () => {
    const channel = await weCom({
      status: 200,
      body: `{"errcode":93000,"errmsg":"invalid webhook url, key=${KEY}, hint: [123]"}`,
    });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.VendorError]);
    expect(`${error.message} ${error.report.detail}`).not.toContain(KEY);
    expect(error.report.detail).toContain("key=[REDACTED]");
  });

  it("refuses a 200 without errcode: not a WeCom robot", async () => {
    const channel = await weCom({ status: 200, body: "<html>login</html>", contentType: "text/html" });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain("without a errcode");
  });

  it("retries on 500 and 429, and on a timeout", async () => {
    let channel = await weCom({ status: 500, body: "" });
    expect((await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)))).retryable).toBe(true);
    receiver?.respondWith(() => ({ status: 429, body: "" }));
    expect((await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)))).retryable).toBe(true);
    await receiver?.close();
    channel = await weCom(neverAnswers, {}, 200);
    const timeout = await failureOf(channel.send(aNotification(), AbortSignal.timeout(10_000)));
    expect([timeout.retryable, timeout.code]).toEqual([true, ChannelErrorCode.Timeout]);
  });

  it("refuses the loopback robot without an allow entry, before any request", async () => {
    receiver = await startReceiver(() => OK);
    const channel = createChannel("w", {
      type: "wecom",
      url: `${receiver.origin}/cgi-bin/webhook/send?key=${KEY}`,
    });
    const error = await failureOf(channel.send(aNotification(), AbortSignal.timeout(5_000)));
    expect([error.retryable, error.code]).toEqual([false, ChannelErrorCode.TargetForbidden]);
    expect(receiver.requests).toHaveLength(0);
    expect(error.message).not.toContain(KEY);
  });
});
