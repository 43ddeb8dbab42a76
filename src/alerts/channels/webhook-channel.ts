import { createHmac } from "node:crypto";
import type { AlertChannel, AlertNotification, ChannelConfig, DeliveryReport } from "../notification.js";
import { postToReceiver, type ChannelHttpSettings } from "./channel-http.js";
import { channelRedactor, queryValues, secretHeaderValues, urlWithoutQuery } from "./channel-secrets.js";
import { shortDetail } from "./channel-errors.js";

type WebhookConfig = Extract<ChannelConfig, { type: "webhook" }>;

/** The version of the JSON a generic webhook receives; bumped only on an incompatible change. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

/**
 * The body of a generic webhook POST: the notification as JSON (dates as ISO 8601 text), with
 * a version. Documented in docs/alert-channels.md; receivers may rely on every field.
 */
export interface WebhookPayload {
  version: 1;
  id: string;
  status: AlertNotification["status"];
  severity: AlertNotification["severity"];
  escalatedFrom: AlertNotification["escalatedFrom"];
  rule: string;
  groupKey: string;
  title: string;
  summary: string;
  count: number;
  firstAt: string;
  lastAt: string;
  subject: AlertNotification["subject"];
  link: string | null;
  labels: Record<string, string>;
}

export function webhookPayload(notification: AlertNotification): WebhookPayload {
  return {
    version: WEBHOOK_PAYLOAD_VERSION,
    id: notification.id,
    status: notification.status,
    severity: notification.severity,
    escalatedFrom: notification.escalatedFrom,
    rule: notification.rule,
    groupKey: notification.groupKey,
    title: notification.title,
    summary: notification.summary,
    count: notification.count,
    firstAt: notification.firstAt.toISOString(),
    lastAt: notification.lastAt.toISOString(),
    subject: { ...notification.subject },
    link: notification.link,
    labels: { ...notification.labels },
  };
}

/**
 * `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<body>`: the timestamp is signed so a
 * captured request cannot be replayed later, and the receiver can refuse old ones.
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function createWebhookChannel(
  name: string,
  config: WebhookConfig,
  settings: ChannelHttpSettings,
): AlertChannel {
  const url = new URL(config.url);
  const redact = channelRedactor([config.secret, ...secretHeaderValues(config.headers), ...queryValues(url)]);
  const label = `webhook channel "${name}"`;
  return {
    name,
    type: "webhook",
    async send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport> {
      const body = JSON.stringify(webhookPayload(notification));
      const headers: Record<string, string> = {
        ...config.headers,
        "content-type": "application/json; charset=utf-8",
        "x-taskflow-delivery": notification.id,
      };
      if (config.secret !== undefined) {
        // Seconds, as Stripe and Slack sign theirs: easy to compare with a receiver's clock.
        const timestamp = String(Math.floor(settings.clock.now() / 1000));
        headers["x-taskflow-timestamp"] = timestamp;
        headers["x-taskflow-signature"] = webhookSignature(config.secret, timestamp, body);
      }
      const answer = await postToReceiver(
        { label, url, displayUrl: redact(urlWithoutQuery(url)), headers, body, redact },
        settings,
        signal,
      );
      return { status: answer.status, detail: shortDetail(answer.body) || `HTTP ${answer.status}` };
    },
  };
}
