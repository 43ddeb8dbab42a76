import type { AlertChannel, AlertNotification, ChannelConfig, DeliveryReport } from "../notification.js";
import { alertFacts, plainText } from "./alert-facts.js";
import { chatMarkdown } from "./chat-markdown.js";
import { postToReceiver, type ChannelHttpSettings } from "./channel-http.js";
import { channelRedactor, queryTokenUrl } from "./channel-secrets.js";
import { truncateUtf8 } from "./truncate.js";
import { checkVendorAnswer, type VendorCodes } from "./vendor-answer.js";

type WeComConfig = Extract<ChannelConfig, { type: "wecom" }>;

/** WeCom's limits: markdown content 4096 bytes, text content 2048 bytes (UTF-8). */
export const WECOM_MARKDOWN_MAX_BYTES = 4096;
export const WECOM_TEXT_MAX_BYTES = 2048;

/** 45009: too many messages (20 a minute per robot); -1: system busy. Others (93000 bad key…) are final. */
const WECOM_CODES: VendorCodes = {
  codeField: "errcode",
  messageField: "errmsg",
  rateLimited: [45009],
  transient: [-1],
};

/**
 * The WeCom message. Markdown is the readable form, but WeCom ignores mentions in markdown
 * except `<@userid>`, which needs user ids, not mobiles. So with `mentionedMobiles` the message
 * is plain text with `mentioned_mobile_list`: one message that notifies, rather than two (a
 * retried pair would repeat the first).
 */
export function weComMessage(
  notification: AlertNotification,
  mentionedMobiles: readonly string[] = [],
): unknown {
  const facts = alertFacts(notification);
  if (mentionedMobiles.length > 0) {
    return {
      msgtype: "text",
      text: {
        content: truncateUtf8(plainText(facts), WECOM_TEXT_MAX_BYTES),
        mentioned_mobile_list: [...mentionedMobiles],
      },
    };
  }
  const content = chatMarkdown(facts, notification.severity, {
    lineBreak: "\n",
    colour: (text, tone) => `<font color="${tone}">${text}</font>`,
    maxBytes: WECOM_MARKDOWN_MAX_BYTES,
  });
  return { msgtype: "markdown", markdown: { content } };
}

export function createWeComChannel(
  name: string,
  config: WeComConfig,
  settings: ChannelHttpSettings,
): AlertChannel {
  const url = new URL(config.url);
  const { displayUrl, secrets } = queryTokenUrl(url);
  const redact = channelRedactor(secrets);
  const label = `wecom channel "${name}"`;
  return {
    name,
    type: "wecom",
    async send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport> {
      const body = JSON.stringify(weComMessage(notification, config.mentionedMobiles));
      const answer = await postToReceiver(
        {
          label,
          url,
          displayUrl,
          headers: { "content-type": "application/json; charset=utf-8" },
          body,
          redact,
        },
        settings,
        signal,
      );
      return checkVendorAnswer(label, answer, WECOM_CODES);
    },
  };
}
