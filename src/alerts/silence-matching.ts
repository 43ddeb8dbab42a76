import type { AlertRecord, SilenceMatchers } from "../store/alert-store.js";

export interface ActiveSilence {
  matchers: SilenceMatchers;
  startsAt: number;
  endsAt: number;
}

/**
 * Whether a silence in force at `now` holds the alert back. Every matcher given must equal the
 * alert's value (rule, task, schedule id, current severity); a silence with no matcher matches
 * every alert (a maintenance night for the whole cluster).
 */
export function isSilenced(
  alert: Pick<AlertRecord, "rule" | "severity" | "subject">,
  silences: readonly ActiveSilence[],
  now: number,
): boolean {
  return silences.some(
    ({ matchers, startsAt, endsAt }) =>
      startsAt <= now &&
      now < endsAt &&
      (matchers.rule === undefined || matchers.rule === alert.rule) &&
      (matchers.task === undefined || matchers.task === alert.subject.task) &&
      (matchers.schedule === undefined || matchers.schedule === alert.subject.scheduleId) &&
      (matchers.severity === undefined || matchers.severity === alert.severity),
  );
}
