import { createHmac } from "node:crypto";
import type { AlertChannel, AlertNotification, ChannelConfig, DeliveryReport } from "../notification.js";
import { alertFacts, type AlertFacts } from "./alert-facts.js";
import { postToReceiver, type ChannelHttpSettings } from "./channel-http.js";
import { channelRedactor, hookUrl } from "./channel-secrets.js";
import { fitMessage } from "./truncate.js";
import { checkVendorAnswer, type VendorCodes } from "./vendor-answer.js";

type FeishuConfig = Extract<ChannelConfig, { type: "feishu" }>;

/** Feishu refuses a request body over 20 KB; keep a margin. */
export const FEISHU_BODY_MAX_BYTES = 19_000;

/** 11232: frequency limited (100 a minute, 5 a second per bot). 19021 (bad signature), 19022 (IP), 19024 (keyword) are final. */
const FEISHU_CODES: VendorCodes = {
  codeField: "code",
  messageField: "msg",
  rateLimited: [11232],
  transient: [],
};

/**
 * Feishu/Lark signing, as its documentation computes it: the HMAC-SHA256 *key* is
 * "<timestamp>\n<secret>" and the message is empty; timestamp in seconds, within an hour of Feishu's clock.
 */
export function feishuSign(secret: string, timestampSeconds: number): string {
  return createHmac("sha256", `${timestampSeconds}\n${secret}`).update("").digest("base64");
}

type PostElement = { tag: "text"; text: string } | { tag: "a"; text: string; href: string };

/**
 * A rich-text ("post") message. Its `text` elements are shown as written (no markdown), and a
 * mention needs an `at` element, so a job's error cannot mention or link; angle brackets are
 * still replaced, so no `<at>` tag can be read out of them by any client.
 */
function postContent(facts: AlertFacts, severity: string, error: string): PostElement[][] {
  const text = (value: string): PostElement => ({ tag: "text", text: inert(value) });
  const lines: PostElement[][] = [
    [
      text(
        `${facts.status} · severity ${severity}${facts.escalation === null ? "" : ` · ⬆ ${facts.escalation}`}`,
      ),
    ],
  ];
  for (const field of facts.fields) lines.push([text(`${field.label}: ${field.value}`)]);
  if (facts.summary !== "") lines.push([text(facts.summary)]);
  if (facts.error !== null) lines.push([text("Error:")], [text(error)]);
  if (facts.link !== null) lines.push([{ tag: "a", text: "Open in the dashboard", href: facts.link }]);
  return lines;
}

function inert(text: string): string {
  return text.replace(/</g, "＜").replace(/>/g, "＞");
}

/** The JSON body, signed when a secret is set, fitted within Feishu's size limit. */
export function feishuBody(
  notification: AlertNotification,
  secret: string | undefined,
  nowMs: number,
): string {
  const facts = alertFacts(notification);
  const signature: Record<string, string> = {};
  if (secret !== undefined) {
    const timestamp = Math.floor(nowMs / 1000);
    signature.timestamp = String(timestamp);
    signature.sign = feishuSign(secret, timestamp);
  }
  const render = (error: string) =>
    JSON.stringify({
      ...signature,
      msg_type: "post",
      content: {
        post: {
          zh_cn: { title: inert(facts.headline), content: postContent(facts, notification.severity, error) },
        },
      },
    });
  return fitMessage(render, facts.error ?? "", FEISHU_BODY_MAX_BYTES);
}

export function createFeishuChannel(
  name: string,
  config: FeishuConfig,
  settings: ChannelHttpSettings,
): AlertChannel {
  const url = new URL(config.url);
  const { displayUrl, secrets } = hookUrl(url, "/open-apis/bot/v2/hook/");
  const redact = channelRedactor([...secrets, config.secret]);
  const label = `feishu channel "${name}"`;
  return {
    name,
    type: "feishu",
    async send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport> {
      const body = feishuBody(notification, config.secret, settings.clock.now());
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
      return checkVendorAnswer(label, answer, FEISHU_CODES);
    },
  };
}
