import type { AlertChannel, AlertNotification, ChannelConfig, DeliveryReport } from "../notification.js";
import { shortDetail } from "./channel-errors.js";
import { postToReceiver, type ChannelHttpSettings } from "./channel-http.js";
import { channelRedactor, hookUrl } from "./channel-secrets.js";
import { slackMessage } from "./slack-message.js";

type SlackConfig = Extract<ChannelConfig, { type: "slack" }>;

/**
 * A Slack incoming webhook. Slack answers 200 `ok`, or 4xx with a reason (`invalid_payload`,
 * `channel_is_archived`, `no_service`…), 429 when rate limited, 5xx when it is unwell.
 */
export function createSlackChannel(
  name: string,
  config: SlackConfig,
  settings: ChannelHttpSettings,
): AlertChannel {
  const url = new URL(config.url);
  const { displayUrl, secrets } = hookUrl(url, "/services/");
  const redact = channelRedactor(secrets);
  const label = `slack channel "${name}"`;
  return {
    name,
    type: "slack",
    async send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport> {
      const body = JSON.stringify(slackMessage(notification));
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
      return { status: answer.status, detail: shortDetail(answer.body) || `HTTP ${answer.status}` };
    },
  };
}
