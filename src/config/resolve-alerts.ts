import { buildAlertChannels } from "../alerts/alert-engine.js";
import { createChannel } from "../alerts/channels/create-channel.js";
import { resolveAlertOptions, type AlertOptions } from "../alerts/alert-options.js";
import { channelConfigProblems } from "../alerts/channels/channel-config-schema.js";
import type { ChannelConfig } from "../alerts/notification.js";
import { SystemClock } from "../time/system-clock.js";
import type { RawConfig } from "./config-schema.js";
import { optionPath, type ProblemCollector } from "./problem-collector.js";

/**
 * The `alerts:` section, checked by the engine's own resolver and channel factory, so a channel
 * the file describes wrongly fails when the file loads, not at 3 a.m. when it is first used.
 */
export function resolveAlerts(
  raw: NonNullable<RawConfig["alerts"]>,
  problems: ProblemCollector,
): AlertOptions {
  const channels = (raw.channels ?? {}) as Record<string, ChannelConfig>;
  let channelsValid = true;
  for (const [name, channel] of Object.entries(channels)) {
    for (const problem of channelConfigProblems(channel)) {
      channelsValid = false;
      problems.add(["alerts", "channels", name, ...problem.path], problem.message);
    }
  }
  const options = raw as AlertOptions;
  const settings = problems.check(
    ["alerts"],
    () => resolveAlertOptions(options),
    // Options are named `alerts.…` already.
    (error) => optionPath([], error),
  );
  if (settings !== undefined && channelsValid) {
    problems.check(
      ["alerts", "allow"],
      () => buildAlertChannels(settings, new SystemClock(), createChannel),
      (error) => optionPath(["alerts", "channels"], error),
    );
  }
  return options;
}
