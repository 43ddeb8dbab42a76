import type { AlertWrite } from "../store/alert-store.js";
import type { AlertSettings, ResolvedRule } from "./alert-options.js";
import { AlertStatus, Severity } from "./notification.js";

/** A message to write to the outbox, once per channel. */
export interface PlannedMessage {
  status: AlertStatus;
  severity: Severity;
  escalatedFrom: Severity | null;
  channels: string[];
}

const NEXT_TIER: Record<Severity, Severity | null> = { P2: Severity.P1, P1: Severity.P0, P0: null };

/**
 * Decides which messages an alert needs now, and updates its bookkeeping to say they were sent
 * (the messages are written to the outbox in the same transaction). The protocol:
 *
 * - Firing, with events not yet told (`count > notifiedCount`): one message at once for a new
 *   alert; then at most one update per `groupWindow` carrying the count so far. A repeat within
 *   the window only counts, it does not notify (de-duplication).
 * - Silenced: nothing is sent and the bookkeeping stays, so when the silence ends an alert still
 *   firing is sent with everything counted meanwhile; one that resolved meanwhile is not sent.
 * - Escalation: a firing alert not acknowledged `escalateAfter` (of the tier it is at) after it
 *   was first told, or last escalated, moves one tier up (P2 → P1 → P0) and is told to that
 *   tier's channels, marked `escalatedFrom`. Acknowledging stops it.
 * - Resolved: told once, to every channel the alert was told to, if it was ever told.
 *
 * A tier without channels still advances the bookkeeping: the alert is recorded and visible in
 * the API, and nothing piles up to be sent later when a channel is added.
 */
export function planNotifications(
  alert: AlertWrite,
  rule: ResolvedRule,
  routes: AlertSettings["routes"],
  silenced: boolean,
  now: number,
): PlannedMessage[] {
  if (silenced) return [];
  if (alert.status === AlertStatus.Resolved) {
    if (alert.notifiedCount === 0 || alert.notifiedChannels.length === 0) return [];
    return [
      {
        status: AlertStatus.Resolved,
        severity: alert.severity,
        escalatedFrom: escalatedFrom(alert),
        channels: alert.notifiedChannels,
      },
    ];
  }
  const messages: PlannedMessage[] = [];
  const windowOver =
    alert.lastNotifiedAt === null || now - alert.lastNotifiedAt.getTime() >= rule.groupWindowMs;
  if (alert.count > alert.notifiedCount && windowOver) {
    messages.push(tell(alert, routes[alert.severity].channels, now));
  }
  const next = NEXT_TIER[alert.severity];
  const escalateAfterMs = routes[alert.severity].escalateAfterMs;
  const since = alert.escalatedAt ?? alert.firstNotifiedAt;
  if (
    next !== null &&
    escalateAfterMs !== null &&
    alert.acknowledgedAt === null &&
    since !== null &&
    now - since.getTime() >= escalateAfterMs
  ) {
    alert.severity = next;
    alert.escalatedAt = new Date(now);
    messages.push(tell(alert, routes[next].channels, now));
  }
  return messages;
}

function tell(alert: AlertWrite, channels: string[], now: number): PlannedMessage {
  alert.notifiedCount = alert.count;
  alert.firstNotifiedAt ??= new Date(now);
  alert.lastNotifiedAt = new Date(now);
  alert.notifiedChannels = [...new Set([...alert.notifiedChannels, ...channels])];
  return {
    status: AlertStatus.Firing,
    severity: alert.severity,
    escalatedFrom: escalatedFrom(alert),
    channels,
  };
}

function escalatedFrom(alert: AlertWrite): Severity | null {
  return alert.severity === alert.baseSeverity ? null : alert.baseSeverity;
}
