import type { AlertNotification, AlertStatus, Severity } from "../../alerts/notification.js";
import type { AlertRecord, AlertSubject, Silence, SilenceMatchers } from "../alert-store.js";

export interface AlertRow {
  id: string | number;
  rule: string;
  group_key: string;
  kind: "event" | "condition";
  base_severity: Severity;
  severity: Severity;
  status: AlertStatus;
  title: string;
  summary: string;
  subject: AlertSubject;
  labels: Record<string, string>;
  count: number;
  first_at: Date | string;
  last_at: Date | string;
  notified_count: number;
  first_notified_at: Date | string | null;
  last_notified_at: Date | string | null;
  notified_channels: string[];
  escalated_at: Date | string | null;
  acknowledged_at: Date | string | null;
  acknowledged_by: string | null;
  resolved_at: Date | string | null;
}

export interface SilenceRow {
  id: string | number;
  matchers: SilenceMatchers;
  starts_at: Date | string;
  ends_at: Date | string;
  comment: string;
  created_by: string;
}

const date = (value: Date | string) => new Date(value);
const maybeDate = (value: Date | string | null) => (value === null ? null : new Date(value));

export function toAlert(row: AlertRow): AlertRecord {
  return {
    id: String(row.id),
    rule: row.rule,
    groupKey: row.group_key,
    kind: row.kind,
    baseSeverity: row.base_severity,
    severity: row.severity,
    status: row.status,
    title: row.title,
    summary: row.summary,
    subject: row.subject,
    labels: row.labels,
    count: Number(row.count),
    firstAt: date(row.first_at),
    lastAt: date(row.last_at),
    notifiedCount: Number(row.notified_count),
    firstNotifiedAt: maybeDate(row.first_notified_at),
    lastNotifiedAt: maybeDate(row.last_notified_at),
    notifiedChannels: row.notified_channels,
    escalatedAt: maybeDate(row.escalated_at),
    acknowledgedAt: maybeDate(row.acknowledged_at),
    acknowledgedBy: row.acknowledged_by,
    resolvedAt: maybeDate(row.resolved_at),
  };
}

export function toSilence(row: SilenceRow): Silence {
  return {
    id: String(row.id),
    matchers: row.matchers,
    startsAt: date(row.starts_at),
    endsAt: date(row.ends_at),
    comment: row.comment,
    createdBy: row.created_by,
  };
}

/** A notification as stored in JSON, with its dates back as Dates. */
export function toNotification(json: unknown): AlertNotification {
  const stored = json as Omit<AlertNotification, "firstAt" | "lastAt"> & { firstAt: string; lastAt: string };
  return { ...stored, firstAt: new Date(stored.firstAt), lastAt: new Date(stored.lastAt) };
}
