import { randomUUID } from "node:crypto";
import type { AlertWrite } from "../store/alert-store.js";
import type { AlertNotification } from "./notification.js";
import type { PlannedMessage } from "./notification-plan.js";

/** One outbox row per channel of a planned message; each carries its own stable id. */
export function buildOutboxMessages(
  alertId: string,
  alert: AlertWrite,
  message: PlannedMessage,
  publicUrl: string | null,
): { id: string; alertId: string; channel: string; notification: AlertNotification }[] {
  return message.channels.map((channel) => {
    const id = randomUUID();
    const notification: AlertNotification = {
      id,
      status: message.status,
      severity: message.severity,
      escalatedFrom: message.escalatedFrom,
      rule: alert.rule,
      groupKey: alert.groupKey,
      title: message.status === "resolved" ? `Resolved: ${alert.title}` : alert.title,
      summary: alert.summary,
      count: alert.count,
      firstAt: alert.firstAt,
      lastAt: alert.lastAt,
      subject: alert.subject,
      link: dashboardLink(publicUrl, alert),
      labels: { ...alert.labels, alertId },
    };
    return { id, alertId, channel, notification };
  });
}

/** The dashboard page of the latest job, else of the schedule (hash routes, dashboard/src/router.ts). */
function dashboardLink(publicUrl: string | null, alert: AlertWrite): string | null {
  if (publicUrl === null) return null;
  if (alert.subject.jobId !== null) return `${publicUrl}/#/runs/${encodeURIComponent(alert.subject.jobId)}`;
  if (alert.subject.scheduleId !== null)
    return `${publicUrl}/#/schedules/${encodeURIComponent(alert.subject.scheduleId)}`;
  return null;
}
