import type { AlertNotification } from "../../alerts/notification.js";
import type { SqlClient } from "../../domain/task.js";
import type {
  AlertCursor,
  AlertFilter,
  AlertRecord,
  AlertStore,
  AlertTransaction,
  AlertWrite,
  ClusterFacts,
  DeliveryAttempt,
  FinishedJobEvent,
  NewSilence,
  OutboxEntry,
  OutboxMessage,
  Silence,
  StoredDelivery,
} from "../alert-store.js";
import { toAlert, toNotification, toSilence, type AlertRow, type SilenceRow } from "./alert-rows.js";
import type { SqlDriver } from "./drivers/driver.js";
import { isJobId } from "./job-id.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  lockCursor: loadQuery("lock_alert_cursor"),
  saveCursor: loadQuery("save_alert_cursor"),
  finishedJobsAfter: loadQuery("finished_jobs_after"),
  clusterFacts: loadQuery("alert_cluster_facts"),
  recentScheduleOutcomes: loadQuery("recent_schedule_outcomes"),
  openAlerts: loadQuery("list_open_alerts"),
  insertAlert: loadQuery("insert_alert"),
  updateAlert: loadQuery("update_alert"),
  enqueue: loadQuery("enqueue_alert_messages"),
  activeSilences: loadQuery("active_alert_silences"),
  claim: loadQuery("claim_alert_outbox"),
  record: loadQuery("record_alert_delivery"),
  nextDue: loadQuery("next_alert_outbox_due"),
  list: loadQuery("list_alerts"),
  get: loadQuery("get_alert"),
  listOutbox: loadQuery("list_alert_outbox"),
  listDeliveries: loadQuery("list_alert_deliveries"),
  acknowledge: loadQuery("acknowledge_alert"),
  insertSilence: loadQuery("insert_alert_silence"),
  listSilences: loadQuery("list_alert_silences"),
  deleteSilence: loadQuery("delete_alert_silence"),
  pruneMessages: loadQuery("prune_alert_outbox"),
  pruneAlerts: loadQuery("prune_resolved_alerts"),
  pruneSilences: loadQuery("prune_alert_silences"),
};

const ts = (ms: number) => new Date(ms);
const maybeTs = (date: Date | null) => (date === null ? null : date.toISOString());

interface FinishedJobRow {
  id: string | number;
  task: string;
  queue: string;
  state: string;
  schedule_id: string | null;
  fire_at: Date | string | null;
  started_at: Date | string | null;
  finished_at: Date | string;
  attempt: number;
  error: string | null;
  error_code: string | null;
  error_name: string | null;
  schedule_paused: boolean;
}

/** The AlertStore on PostgreSQL (through `pg` or PGlite). */
export class PostgresAlertStore implements AlertStore {
  constructor(private readonly driver: SqlDriver) {}

  evaluate<T>(fn: (tx: AlertTransaction) => Promise<T>): Promise<T> {
    return this.driver.transaction((tx) => fn(new PostgresAlertTransaction(tx)));
  }

  async claimOutbox(node: string, now: number, leaseMs: number, limit: number): Promise<OutboxMessage[]> {
    const { rows } = await this.driver.query<{
      id: string;
      alert_id: string | number;
      channel: string;
      notification: unknown;
      attempts: number;
    }>(SQL.claim, [node, ts(now), limit, ts(now + leaseMs)]);
    return rows.map((row) => ({
      id: row.id,
      alertId: String(row.alert_id),
      channel: row.channel,
      notification: toNotification(row.notification),
      attempts: Number(row.attempts),
    }));
  }

  async recordDelivery(attempt: DeliveryAttempt): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.record, [
      attempt.outboxId,
      attempt.attempt,
      attempt.node,
      ts(attempt.at),
      attempt.outcome,
      attempt.status,
      attempt.detail,
      attempt.nextAttemptAt === null ? null : ts(attempt.nextAttemptAt),
    ]);
    return rows.length > 0;
  }

  async nextOutboxDue(): Promise<number | null> {
    const { rows } = await this.driver.query<{ due: Date | string | null }>(SQL.nextDue);
    const due = rows[0]?.due ?? null;
    return due === null ? null : new Date(due).getTime();
  }

  async listAlerts(filter: AlertFilter): Promise<AlertRecord[]> {
    const { rows } = await this.driver.query<AlertRow>(SQL.list, [
      filter.status ?? null,
      filter.limit ?? 100,
    ]);
    return rows.map(toAlert);
  }

  async getAlert(id: string): Promise<AlertRecord | null> {
    if (!isJobId(id)) return null;
    const { rows } = await this.driver.query<AlertRow>(SQL.get, [id]);
    return rows[0] === undefined ? null : toAlert(rows[0]);
  }

  async listOutbox(alertId: string): Promise<OutboxEntry[]> {
    if (!isJobId(alertId)) return [];
    const { rows } = await this.driver.query<{
      id: string;
      channel: string;
      status: OutboxEntry["status"];
      attempts: number;
      next_attempt_at: Date | string;
      notification: unknown;
    }>(SQL.listOutbox, [alertId]);
    return rows.map((row) => ({
      id: row.id,
      channel: row.channel,
      status: row.status,
      attempts: Number(row.attempts),
      nextAttemptAt: new Date(row.next_attempt_at),
      notification: toNotification(row.notification),
    }));
  }

  async listDeliveries(alertId: string): Promise<StoredDelivery[]> {
    if (!isJobId(alertId)) return [];
    const { rows } = await this.driver.query<{
      outbox_id: string;
      channel: string;
      attempt: number;
      node: string;
      at: Date | string;
      outcome: StoredDelivery["outcome"];
      status: number | null;
      detail: string;
    }>(SQL.listDeliveries, [alertId]);
    return rows.map((row) => ({
      outboxId: row.outbox_id,
      channel: row.channel,
      attempt: Number(row.attempt),
      node: row.node,
      at: new Date(row.at),
      outcome: row.outcome,
      status: row.status,
      detail: row.detail,
    }));
  }

  async acknowledge(id: string, by: string, now: number): Promise<AlertRecord | null> {
    if (!isJobId(id)) return null;
    const { rows } = await this.driver.query<AlertRow>(SQL.acknowledge, [id, by, ts(now)]);
    return rows[0] === undefined ? null : toAlert(rows[0]);
  }

  async createSilence(silence: NewSilence, now: number): Promise<Silence> {
    const { rows } = await this.driver.query<SilenceRow>(SQL.insertSilence, [
      JSON.stringify(silence.matchers),
      ts(silence.startsAt),
      ts(silence.endsAt),
      silence.comment,
      silence.createdBy,
      ts(now),
    ]);
    return toSilence(rows[0] as SilenceRow);
  }

  async listSilences(): Promise<Silence[]> {
    const { rows } = await this.driver.query<SilenceRow>(SQL.listSilences);
    return rows.map(toSilence);
  }

  async deleteSilence(id: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    const { rows } = await this.driver.query(SQL.deleteSilence, [id]);
    return rows.length > 0;
  }

  pruneFinishedMessages(before: number, limit: number): Promise<number> {
    return this.#prune(SQL.pruneMessages, before, limit);
  }

  pruneResolvedAlerts(before: number, limit: number): Promise<number> {
    return this.#prune(SQL.pruneAlerts, before, limit);
  }

  pruneEndedSilences(before: number, limit: number): Promise<number> {
    return this.#prune(SQL.pruneSilences, before, limit);
  }

  async #prune(sql: string, before: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const { rows } = await this.driver.query<{ pruned: string | number }>(sql, [ts(before), limit]);
    return Number(rows[0]?.pruned ?? 0);
  }
}

class PostgresAlertTransaction implements AlertTransaction {
  constructor(private readonly tx: SqlClient) {}

  async lockCursor(name: string): Promise<AlertCursor | null> {
    // The first statement may only insert the row; the lock is taken by a second read.
    await this.tx.query(SQL.lockCursor, [name]);
    const { rows } = await this.tx.query<{
      position_at: Date | string | number;
      position_id: string | number;
    }>(SQL.lockCursor, [name]);
    const row = rows[0];
    if (row === undefined || Number(row.position_id) === 0) return null;
    return { at: new Date(row.position_at).getTime(), id: String(row.position_id) };
  }

  async saveCursor(name: string, cursor: AlertCursor): Promise<void> {
    await this.tx.query(SQL.saveCursor, [name, ts(cursor.at), cursor.id]);
  }

  async finishedJobsAfter(
    cursor: AlertCursor | null,
    upTo: number,
    limit: number,
  ): Promise<FinishedJobEvent[]> {
    const { rows } = await this.tx.query<FinishedJobRow>(SQL.finishedJobsAfter, [
      cursor === null ? "-infinity" : ts(cursor.at),
      cursor === null ? 0 : cursor.id,
      limit,
      ts(upTo),
    ]);
    return rows.map((row) => ({
      id: String(row.id),
      task: row.task,
      queue: row.queue,
      state: row.state,
      scheduleId: row.schedule_id,
      fireAt: row.fire_at === null ? null : new Date(row.fire_at),
      startedAt: row.started_at === null ? null : new Date(row.started_at),
      finishedAt: new Date(row.finished_at),
      attempt: Number(row.attempt),
      error: row.error,
      errorCode: row.error_code,
      errorName: row.error_name,
      schedulePaused: row.schedule_paused === true,
    }));
  }

  async clusterFacts(now: number, liveWindowMs: number): Promise<ClusterFacts> {
    const { rows } = await this.tx.query<{
      nodes: { id: string; clockSkewMs: number }[];
      oldest_waiting: Date | string | null;
      circuits: { breaker: string; task: string; openedAt: string | null; lastError: string | null }[];
    }>(SQL.clusterFacts, [ts(now), ts(now - liveWindowMs)]);
    const row = rows[0];
    return {
      nodes: row?.nodes ?? [],
      oldestWaitingRunAt: row?.oldest_waiting == null ? null : new Date(row.oldest_waiting),
      openCircuits: (row?.circuits ?? []).map((circuit) => ({
        ...circuit,
        openedAt: circuit.openedAt === null ? null : new Date(circuit.openedAt),
      })),
    };
  }

  async recentScheduleOutcomes(scheduleId: string, upToJobId: string, limit: number): Promise<string[]> {
    const { rows } = await this.tx.query<{ state: string }>(SQL.recentScheduleOutcomes, [
      scheduleId,
      upToJobId,
      limit,
    ]);
    return rows.map((row) => row.state);
  }

  async openAlerts(): Promise<AlertRecord[]> {
    const { rows } = await this.tx.query<AlertRow>(SQL.openAlerts);
    return rows.map(toAlert);
  }

  async writeAlert(alert: AlertWrite): Promise<string> {
    const json = (value: unknown) => JSON.stringify(value);
    if (alert.id === null) {
      const { rows } = await this.tx.query<{ id: string | number }>(SQL.insertAlert, [
        alert.rule,
        alert.groupKey,
        alert.kind,
        alert.baseSeverity,
        alert.severity,
        alert.status,
        alert.title,
        alert.summary,
        json(alert.subject),
        json(alert.labels),
        alert.count,
        alert.firstAt,
        alert.lastAt,
        alert.notifiedCount,
        maybeTs(alert.firstNotifiedAt),
        maybeTs(alert.lastNotifiedAt),
        alert.notifiedChannels,
        maybeTs(alert.escalatedAt),
        maybeTs(alert.resolvedAt),
      ]);
      return String(rows[0]?.id);
    }
    await this.tx.query(SQL.updateAlert, [
      alert.id,
      alert.severity,
      alert.status,
      alert.title,
      alert.summary,
      json(alert.subject),
      json(alert.labels),
      alert.count,
      alert.lastAt,
      alert.notifiedCount,
      maybeTs(alert.firstNotifiedAt),
      maybeTs(alert.lastNotifiedAt),
      alert.notifiedChannels,
      maybeTs(alert.escalatedAt),
      maybeTs(alert.resolvedAt),
    ]);
    return alert.id;
  }

  async enqueueMessages(
    messages: { id: string; alertId: string; channel: string; notification: AlertNotification }[],
    now: number,
  ): Promise<void> {
    if (messages.length === 0) return;
    await this.tx.query(SQL.enqueue, [JSON.stringify(messages), ts(now)]);
  }

  async activeSilences(now: number): Promise<Silence[]> {
    const { rows } = await this.tx.query<SilenceRow>(SQL.activeSilences, [ts(now)]);
    return rows.map(toSilence);
  }
}
