import { parseDuration, type Duration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { FireLoopSettings } from "./fire-loop.js";

export interface SchedulerOptions {
  /** Run the fire loop on this node. Any number of nodes may; each occurrence fires once. @defaultValue true */
  enabled?: boolean;
  /** Occurrences are enqueued this far ahead of their fire time, to start on time. @defaultValue "2s" */
  lookahead?: Duration;
  /** Look for due schedules at least this often. @defaultValue "1s" */
  pollInterval?: Duration;
  /** An occurrence not fired within this of its time was missed: the catch-up policy decides. @defaultValue "30s" */
  misfireThreshold?: Duration;
}

export function resolveSchedulerOptions(
  options: SchedulerOptions = {},
): FireLoopSettings & { enabled: boolean } {
  const lookaheadMs = parseDuration(options.lookahead ?? "2s", "scheduler.lookahead");
  const pollIntervalMs = parseDuration(options.pollInterval ?? "1s", "scheduler.pollInterval");
  const misfireMs = parseDuration(options.misfireThreshold ?? "30s", "scheduler.misfireThreshold");
  if (pollIntervalMs < 10) throw invalid("pollInterval", "scheduler.pollInterval must be at least 10ms");
  if (misfireMs < 1000) throw invalid("misfireThreshold", "scheduler.misfireThreshold must be at least 1s");
  if (lookaheadMs > 60_000) throw invalid("lookahead", "scheduler.lookahead must be at most 1m");
  return {
    enabled: options.enabled ?? true,
    lookaheadMs,
    pollIntervalMs,
    misfireMs,
    batchSize: 500,
    random: Math.random,
  };
}

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, {
    code: ErrorCode.InvalidOption,
    details: { option: `scheduler.${option}` },
  });
}
