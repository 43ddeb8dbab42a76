import { createHmac } from "node:crypto";
import type { AlertChannel, AlertNotification, ChannelConfig, DeliveryReport } from "../notification.js";
import { alertFacts, oneLine } from "./alert-facts.js";
import { chatMarkdown } from "./chat-markdown.js";
import { postToReceiver, type ChannelHttpSettings } from "./channel-http.js";
import { channelRedactor, queryTokenUrl } from "./channel-secrets.js";
import { checkVendorAnswer, type VendorCodes } from "./vendor-answer.js";

type DingTalkConfig = Extract<ChannelConfig, { type: "dingtalk" }>;

/** DingTalk refuses messages over 20000 bytes; the markdown text keeps room for the envelope. */
export const DINGTALK_TEXT_MAX_BYTES = 18_000;

/**
 * 130101: too many messages (20 a minute per robot); -1: system busy. 310000 (signature,
 * keyword or IP check failed), 300001 (bad token) and 90030 (monthly quota used up) are final.
 */
const DINGTALK_CODES: VendorCodes = {
  codeField: "errcode",
  messageField: "errmsg",
  rateLimited: [130101],
  transient: [-1],
};

/**
 * DingTalk's 加签: `sign` = base64(HMAC-SHA256 keyed by the secret over "<timestamp>\n<secret>"),
 * with the timestamp in milliseconds; DingTalk refuses a timestamp more than an hour off.
 */
export function dingTalkSign(secret: string, timestampMs: number): string {
  return createHmac("sha256", secret).update(`${timestampMs}\n${secret}`).digest("base64");
}

/** The URL with `timestamp` and `sign` appended (URL-encoded, as DingTalk requires). */
export function signedDingTalkUrl(url: URL, secret: string | undefined, timestampMs: number): URL {
  const signed = new URL(url.href);
  if (secret === undefined) return signed;
  signed.searchParams.set("timestamp", String(timestampMs));
  signed.searchParams.set("sign", dingTalkSign(secret, timestampMs));
  return signed;
}

export function dingTalkMessage(notification: AlertNotification, atMobiles: readonly string[] = []): unknown {
  const facts = alertFacts(notification);
  const text = chatMarkdown(facts, notification.severity, {
    // DingTalk's markdown joins single line breaks; a blank line separates lines.
    lineBreak: "\n\n",
    colour: (value) => value,
    maxBytes: DINGTALK_TEXT_MAX_BYTES,
    // A mention notifies only when the mobile is both in `at` and written in the text.
    ...(atMobiles.length === 0 ? {} : { trailer: atMobiles.map((mobile) => `@${mobile}`).join(" ") }),
  });
  return {
    msgtype: "markdown",
    // The title is what the chat list and the phone notification show.
    markdown: { title: oneLine(facts.headline, 100), text },
    at: { atMobiles: [...atMobiles], isAtAll: false },
  };
}

export function createDingTalkChannel(
  name: string,
  config: DingTalkConfig,
  settings: ChannelHttpSettings,
): AlertChannel {
  const url = new URL(config.url);
  const { displayUrl, secrets } = queryTokenUrl(url);
  const redact = channelRedactor([...secrets, config.secret]);
  const label = `dingtalk channel "${name}"`;
  return {
    name,
    type: "dingtalk",
    async send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport> {
      const body = JSON.stringify(dingTalkMessage(notification, config.atMobiles));
      const answer = await postToReceiver(
        {
          label,
          url: signedDingTalkUrl(url, config.secret, settings.clock.now()),
          displayUrl,
          headers: { "content-type": "application/json; charset=utf-8" },
          body,
          redact,
        },
        settings,
        signal,
      );
      return checkVendorAnswer(label, answer, DINGTALK_CODES);
    },
  };
}
