import { describe, expect, it } from "vitest";
import {
  channelConfigProblems,
  parseChannelConfig,
} from "../../../../src/alerts/channels/channel-config-schema.js";
import { createChannel } from "../../../../src/alerts/channels/create-channel.js";
import type { ChannelConfig } from "../../../../src/alerts/notification.js";

const messages = (raw: unknown) =>
  channelConfigProblems(raw).map((problem) => `${problem.path.join(".")}: ${problem.message}`);

describe("alert channel settings", () => {
  it("accepts one valid example of each channel type", () => {
    const valid: ChannelConfig[] = [
      {
        type: "webhook",
        url: "https://hooks.example.com/taskflow",
        secret: "s3cret",
        headers: { "X-Team": "a" },
      },
      { type: "slack", url: "https://hooks.slack.com/services/T0/B0/xyz" },
      {
        type: "wecom",
        url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123",
        mentionedMobiles: ["+8613800000000", "@all"],
      },
      {
        type: "dingtalk",
        url: "https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret: "SECabc",
        atMobiles: ["13800000000"],
      },
      { type: "feishu", url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc", secret: "x" },
      {
        type: "email",
        smtp: { host: "smtp.example.com", port: 587, user: "u", password: "p" },
        from: "TaskFlow <alerts@example.com>",
        to: ["oncall@example.com", "lead@example.com"],
      },
    ];
    for (const config of valid) expect(messages(config), config.type).toEqual([]);
  });

  it("names the field and what is allowed", () => {
    expect(messages({ type: "pager" })).toEqual([
      'type: type must be one of webhook, slack, wecom, dingtalk, feishu, email; got "pager"',
    ]);
    expect(messages({ url: "https://x.example" })).toEqual([
      "type: type must be one of webhook, slack, wecom, dingtalk, feishu, email; it is missing",
    ]);
    expect(messages({ type: "slack", url: "ftp://hooks.example.com/x" })).toEqual([
      "url: must be an http:// or https:// URL without user:password@",
    ]);
    expect(messages({ type: "slack" })).toEqual(["url: url is required"]);
    expect(messages({ type: "slack", url: "https://h.example/x", channel: "#ops" })).toEqual([
      'channel: unknown field "channel" (known: type, url)',
    ]);
    expect(
      messages({
        type: "email",
        smtp: { host: "smtp.example.com", port: 70000 },
        from: "a@example.com",
        to: [],
      }),
    ).toEqual(["smtp.port: must be at most 65535, got 70000", "to: must list at least 1"]);
    expect(
      messages({
        type: "email",
        smtp: { host: "h", port: 25 },
        from: "a@example.com",
        to: ["not-an-address"],
      }),
    ).toEqual(['to.0: must be an email address like "oncall@example.com", got "not-an-address"']);
  });

  it("refuses credentials in a webhook URL without echoing them", () => {
    const problems = messages({ type: "webhook", url: "https://admin:hunter22@hooks.example.com/x" });
    expect(problems).toEqual(["url: must be an http:// or https:// URL without user:password@"]);
    expect(problems.join()).not.toContain("hunter22");
  });

  it("requires the vendor's token parameter of WeCom and DingTalk URLs", () => {
    expect(messages({ type: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send" })[0]).toContain(
      "key=…",
    );
    expect(messages({ type: "dingtalk", url: "https://oapi.dingtalk.com/robot/send" })[0]).toContain(
      "access_token=…",
    );
  });

  it("refuses headers TaskFlow sets itself and header injection", () => {
    expect(
      messages({
        type: "webhook",
        url: "https://h.example/x",
        headers: { "X-TaskFlow-Signature": "forged", "Content-Type": "text/plain", "X-A": "a\r\nX-B: b" },
      }),
    ).toEqual([
      "headers.X-TaskFlow-Signature: is set by TaskFlow itself and may not be configured",
      "headers.Content-Type: is set by TaskFlow itself and may not be configured",
      "headers.X-A: must not contain line breaks or NUL",
    ]);
  });

  it("throws INVALID_OPTION naming the channel, from parseChannelConfig and createChannel", () => {
    expect(() => parseChannelConfig({ type: "slack", url: "nope" }, "ops")).toThrow(
      'invalid alert channel "ops": ops.url: must be an http:// or https:// URL without user:password@',
    );
    expect(() => createChannel("ops", { type: "slack", url: "nope" })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION" }),
    );
    expect(() =>
      createChannel("ops", { type: "slack", url: "https://h.example/x" }, { allow: ["not a host!"] }),
    ).toThrow(expect.objectContaining({ code: "INVALID_OPTION" }));
    expect(() =>
      createChannel("ops", { type: "slack", url: "https://h.example/x" }, { timeoutMs: 0 }),
    ).toThrow("timeoutMs must be a whole number");
  });
});
