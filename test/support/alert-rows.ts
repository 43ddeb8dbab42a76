import { randomUUID } from "node:crypto";
import { aNotification } from "../integration/alerts/channels/notification-fixture.js";
import type { AlertStore, AlertWrite } from "../../src/store/alert-store.js";

/** A firing P1 `job-dead` alert first seen at `at`; override what a test is about. */
export function anAlert(at: number, overrides: Partial<AlertWrite> = {}): AlertWrite {
  return {
    id: null,
    rule: "job-dead",
    groupKey: "job-dead:task=send-email",
    kind: "event",
    baseSeverity: "P1",
    severity: "P1",
    status: "firing",
    title: "Job send-email went dead",
    summary: "send-email spent its attempts.",
    subject: {
      task: "send-email",
      scheduleId: null,
      queue: "default",
      jobId: "1",
      attempt: 3,
      error: "boom",
    },
    labels: {},
    count: 1,
    firstAt: new Date(at),
    lastAt: new Date(at),
    notifiedCount: 1,
    firstNotifiedAt: new Date(at),
    lastNotifiedAt: new Date(at),
    notifiedChannels: ["ops"],
    escalatedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    ...overrides,
  };
}

/** Writes an alert as an evaluation pass would; returns its id. */
export function writeAlert(store: AlertStore, alert: AlertWrite): Promise<string> {
  return store.evaluate((tx) => tx.writeAlert(alert));
}

/** Puts one message of the alert in the outbox for `channel`, due at `now`; returns its id. */
export async function writeMessage(
  store: AlertStore,
  alertId: string,
  now: number,
  channel = "ops",
): Promise<string> {
  const id = randomUUID();
  const notification = aNotification({
    id,
    summary: "send-email spent its attempts.",
    count: 1,
    firstAt: new Date(now),
    lastAt: new Date(now),
    subject: { ...aNotification().subject, scheduleId: null, jobId: "1", error: "boom" },
    link: null,
    labels: { alertId },
  });
  await store.evaluate((tx) => tx.enqueueMessages([{ id, alertId, channel, notification }], now));
  return id;
}
