import { invalidOption } from "../../executors/executor-errors.js";
import { parseAllowList } from "../../executors/ssrf-guard.js";
import type { Clock } from "../../time/clock.js";
import { SystemClock } from "../../time/system-clock.js";
import type { AlertChannel, ChannelConfig } from "../notification.js";
import { parseChannelConfig } from "./channel-config-schema.js";
import type { ChannelHttpSettings } from "./channel-http.js";
import { createDingTalkChannel } from "./dingtalk-channel.js";
import { createEmailChannel } from "./email-channel.js";
import { createFeishuChannel } from "./feishu-channel.js";
import { createSlackChannel } from "./slack-channel.js";
import { createWebhookChannel } from "./webhook-channel.js";
import { createWeComChannel } from "./wecom-channel.js";

export interface CreateChannelOptions {
  /**
   * Targets channels may reach although their address is loopback, private, link-local or
   * metadata: IPs, CIDR ranges or hostnames, optionally with `:port` (as `executors.http.allow`).
   * @defaultValue []
   */
  allow?: readonly string[];
  /** Time for one delivery (connect, send, answer), on top of the signal given to `send`. @defaultValue 10000 */
  timeoutMs?: number;
  /** Bytes of a receiver's answer read. @defaultValue 65536 */
  maxResponseBytes?: number;
  /** Where timeouts and signature timestamps read time. @defaultValue the system clock */
  clock?: Clock;
}

export const DEFAULT_CHANNEL_TIMEOUT_MS = 10_000;
export const DEFAULT_CHANNEL_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * A channel from its settings. The settings are validated (INVALID_OPTION naming the field) so
 * a bad channel fails when the configuration loads, not at 3 a.m. when it is first used.
 */
export function createChannel(
  name: string,
  config: ChannelConfig,
  options: CreateChannelOptions = {},
): AlertChannel {
  const checked = parseChannelConfig(config, name);
  const http: ChannelHttpSettings = {
    allow: parseAllowList(options.allow ?? []),
    timeoutMs: positiveInteger("timeoutMs", options.timeoutMs ?? DEFAULT_CHANNEL_TIMEOUT_MS),
    maxResponseBytes: positiveInteger(
      "maxResponseBytes",
      options.maxResponseBytes ?? DEFAULT_CHANNEL_MAX_RESPONSE_BYTES,
    ),
    clock: options.clock ?? new SystemClock(),
  };
  switch (checked.type) {
    case "webhook":
      return createWebhookChannel(name, checked, http);
    case "slack":
      return createSlackChannel(name, checked, http);
    case "wecom":
      return createWeComChannel(name, checked, http);
    case "dingtalk":
      return createDingTalkChannel(name, checked, http);
    case "feishu":
      return createFeishuChannel(name, checked, http);
    case "email":
      return createEmailChannel(name, checked, http);
  }
}

function positiveInteger(option: string, value: number): number {
  // Timers overflow past 2^31 - 1 ms, firing at once.
  if (!Number.isInteger(value) || value < 1 || value > 2_147_483_647) {
    throw invalidOption(option, `${option} must be a whole number between 1 and 2147483647, got ${value}`);
  }
  return value;
}
