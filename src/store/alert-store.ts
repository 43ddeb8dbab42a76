import type { AlertNotification, AlertStatus, Severity } from "../alerts/notification.js";

/** A finished job the event rules look at (dead, compensation_failed, skipped, or a late occurrence). */
export interface FinishedJobEvent {
  id: string;
  task: string;
  queue: string;
  state: string;
  scheduleId: string | null;
  fireAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date;
  attempt: number;
  /** The last error's message, if any. */
  error: string | null;
  /** The last error's code and name; on a skipped occurrence they say why it was skipped. */
  errorCode: string | null;
  errorName: string | null;
  /**
   * A skipped occurrence whose schedule was paused at some time between its fire time and when
   * it was recorded: it was missed because of the pause. False for every other job.
   */
  schedulePaused: boolean;
}

/** Where the event rules stopped reading: the (finished_at, id) of the last job read. */
export interface AlertCursor {
  at: number;
  id: string;
}

export interface AlertSubject {
  task: string | null;
  scheduleId: string | null;
  queue: string | null;
  jobId: string | null;
  attempt: number | null;
  error: string | null;
}

export interface AlertRecord {
  id: string;
  rule: string;
  groupKey: string;
  kind: "event" | "condition";
  baseSeverity: Severity;
  severity: Severity;
  status: AlertStatus;
  title: string;
  summary: string;
  subject: AlertSubject;
  labels: Record<string, string>;
  count: number;
  firstAt: Date;
  lastAt: Date;
  notifiedCount: number;
  firstNotifiedAt: Date | null;
  lastNotifiedAt: Date | null;
  notifiedChannels: string[];
  escalatedAt: Date | null;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
}

/** A new alert, or the new state of an open one (the whole row is written back). */
export type AlertWrite = Omit<AlertRecord, "id"> & { id: string | null };

export interface OutboxMessage {
  id: string;
  alertId: string;
  channel: string;
  notification: AlertNotification;
  /** The claim's fencing token: the attempt number. */
  attempts: number;
}

export interface DeliveryAttempt {
  outboxId: string;
  attempt: number;
  node: string;
  at: number;
  outcome: "delivered" | "retry" | "failed";
  status: number | null;
  detail: string;
  /** With `retry`: when to try again. */
  nextAttemptAt: number | null;
}

export interface StoredDelivery {
  outboxId: string;
  channel: string;
  attempt: number;
  node: string;
  at: Date;
  outcome: "delivered" | "retry" | "failed";
  status: number | null;
  detail: string;
}

export interface OutboxEntry {
  id: string;
  channel: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: Date;
  notification: AlertNotification;
}

/** Which alerts a silence holds back; every given matcher must match (exact values). */
export interface SilenceMatchers {
  rule?: string;
  task?: string;
  schedule?: string;
  severity?: Severity;
}

export interface Silence {
  id: string;
  matchers: SilenceMatchers;
  startsAt: Date;
  endsAt: Date;
  comment: string;
  createdBy: string;
}

export interface NewSilence {
  matchers: SilenceMatchers;
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
}

/** The facts condition rules look at, read in the evaluation's transaction. */
export interface ClusterFacts {
  /** Nodes seen within the live window, with their reported skew. */
  nodes: { id: string; clockSkewMs: number }[];
  /** `run_at` of the oldest queued job already due, or null. */
  oldestWaitingRunAt: Date | null;
  openCircuits: { breaker: string; task: string; openedAt: Date | null; lastError: string | null }[];
}

/**
 * What one evaluation pass reads and writes, in one transaction: the cursor is locked first, so
 * two evaluators (a stale lease holder and the new one) run one after the other, never in between.
 */
export interface AlertTransaction {
  lockCursor(name: string): Promise<AlertCursor | null>;
  saveCursor(name: string, cursor: AlertCursor): Promise<void>;
  finishedJobsAfter(cursor: AlertCursor | null, upTo: number, limit: number): Promise<FinishedJobEvent[]>;
  clusterFacts(now: number, liveWindowMs: number): Promise<ClusterFacts>;
  /** States of the schedule's latest finished runs up to job `upToJobId`, newest first. */
  recentScheduleOutcomes(scheduleId: string, upToJobId: string, limit: number): Promise<string[]>;
  /** Every firing alert, locked. */
  openAlerts(): Promise<AlertRecord[]>;
  /** Inserts (id null) or updates the alert; returns its id. */
  writeAlert(alert: AlertWrite): Promise<string>;
  enqueueMessages(
    messages: { id: string; alertId: string; channel: string; notification: AlertNotification }[],
    now: number,
  ): Promise<void>;
  activeSilences(now: number): Promise<Silence[]>;
}

export interface AlertFilter {
  status?: AlertStatus;
  /** @defaultValue 100 */
  limit?: number;
}

/** The alerting part of the Store port (docs/alerting.md). Times are the engine's. */
export interface AlertStore {
  evaluate<T>(fn: (tx: AlertTransaction) => Promise<T>): Promise<T>;
  /** Leases up to `limit` due outbox messages for `node` until `now + leaseMs` (SKIP LOCKED). */
  claimOutbox(node: string, now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]>;
  /** Records an attempt and its outcome on the message; false when the claim was lost (nothing written). */
  recordDelivery(attempt: DeliveryAttempt): Promise<boolean>;
  /** The earliest time a pending message is due, or null. */
  nextOutboxDue(): Promise<number | null>;
  listAlerts(filter: AlertFilter): Promise<AlertRecord[]>;
  getAlert(id: string): Promise<AlertRecord | null>;
  listOutbox(alertId: string): Promise<OutboxEntry[]>;
  listDeliveries(alertId: string): Promise<StoredDelivery[]>;
  /** Acknowledges a firing alert; null when there is no such alert. */
  acknowledge(id: string, by: string, now: number): Promise<AlertRecord | null>;
  createSilence(silence: NewSilence, now: number): Promise<Silence>;
  listSilences(): Promise<Silence[]>;
  deleteSilence(id: string): Promise<boolean>;

  /**
   * Retention: deletes up to `limit` outbox messages delivered or given up before `before`,
   * oldest first, with their delivery records; pending messages are kept however old. Rows
   * another transaction holds are skipped. Returns how many; call again while it returns `limit`.
   */
  pruneFinishedMessages(before: number, limit: number): Promise<number>;
  /**
   * Retention: deletes up to `limit` alerts resolved before `before` that have no outbox message
   * left (prune the messages first), oldest first. Firing alerts are kept however old.
   */
  pruneResolvedAlerts(before: number, limit: number): Promise<number>;
  /** Retention: deletes up to `limit` silences that ended before `before`, oldest first. */
  pruneEndedSilences(before: number, limit: number): Promise<number>;
}
