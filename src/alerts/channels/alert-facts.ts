import type { AlertNotification } from "../notification.js";
import { truncateChars } from "./truncate.js";

/**
 * What every template shows, in the order a person woken at 3 a.m. needs it: is it still
 * happening, how bad, what, where, the error, and where to click. Plain text here; each channel
 * escapes it for its own markup.
 */
export interface AlertFacts {
  /** `[P1] FIRING Job send-email went dead (3×)`: a subject line or a chat message's first line. */
  headline: string;
  /** The headline's parts: `[P1] FIRING ESCALATED`, the title, ` (3×)`; templates escape the title alone. */
  prefix: string;
  times: string;
  status: "FIRING" | "RESOLVED";
  /** `escalated from P2`, when the message was escalated. */
  escalation: string | null;
  /** The notification's title, on one line. */
  title: string;
  summary: string;
  /** Labelled one-line values (task, schedule, queue, attempt, job, events, labels). */
  fields: readonly AlertField[];
  /** The latest error, as the job reported it (may span lines). */
  error: string | null;
  /** The dashboard link, only if it is an http(s) URL. */
  link: string | null;
}

export interface AlertField {
  label: string;
  value: string;
}

const MAX_TITLE = 250;
const MAX_LABELS = 10;
/** A summary is "a few lines"; a longer one would crowd out the error within a vendor's limit. */
const MAX_SUMMARY = 1500;

export function alertFacts(notification: AlertNotification): AlertFacts {
  const status = notification.status === "resolved" ? "RESOLVED" : "FIRING";
  const escalation =
    notification.escalatedFrom === null ? null : `escalated from ${notification.escalatedFrom}`;
  const title = oneLine(notification.title, MAX_TITLE);
  const times = notification.count > 1 ? ` (${notification.count}×)` : "";
  const prefix = `[${notification.severity}] ${status}${escalation === null ? "" : " ESCALATED"}`;
  return {
    headline: `${prefix} ${title}${times}`,
    prefix,
    times,
    status,
    escalation,
    title,
    summary: truncateChars(notification.summary.trim(), MAX_SUMMARY),
    fields: fieldsOf(notification),
    error: notification.subject.error === null ? null : notification.subject.error.trim(),
    link: httpLink(notification.link),
  };
}

function fieldsOf(notification: AlertNotification): AlertField[] {
  const { subject } = notification;
  const fields: AlertField[] = [];
  const add = (label: string, value: string | number | null) => {
    if (value !== null && value !== "") fields.push({ label, value: oneLine(String(value), 200) });
  };
  add("Task", subject.task);
  add("Schedule", subject.scheduleId);
  add("Queue", subject.queue);
  add("Attempt", subject.attempt);
  add("Job", subject.jobId);
  add("Rule", notification.rule);
  add("Events", eventsLine(notification));
  const labels = Object.entries(notification.labels).slice(0, MAX_LABELS);
  if (labels.length > 0) add("Labels", labels.map(([key, value]) => `${key}=${value}`).join(", "));
  return fields;
}

function eventsLine(notification: AlertNotification): string {
  const first = formatTime(notification.firstAt);
  if (notification.count <= 1 && notification.firstAt.getTime() === notification.lastAt.getTime()) {
    return `1 at ${first}`;
  }
  return `${notification.count}, first ${first}, last ${formatTime(notification.lastAt)}`;
}

/** `2026-12-06 03:00:12 UTC`: one zone for everyone on call, readable without a calendar. */
export function formatTime(date: Date): string {
  if (Number.isNaN(date.getTime())) return "unknown time";
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Collapses whitespace (a title with a newline would break a subject line) and caps the length. */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The link if it is an absolute http(s) URL; anything else (javascript:…) is not a link we print. */
export function httpLink(link: string | null): string | null {
  if (link === null) return null;
  try {
    const url = new URL(link);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The facts as plain text lines: the body of an email, or the `text` of a generic webhook. */
export function plainText(facts: AlertFacts): string {
  const lines = [facts.headline];
  if (facts.escalation !== null) lines.push(`(${facts.escalation})`);
  lines.push("");
  if (facts.summary !== "") lines.push(facts.summary, "");
  for (const field of facts.fields) lines.push(`${field.label}: ${field.value}`);
  if (facts.error !== null) lines.push("", "Error:", facts.error);
  if (facts.link !== null) lines.push("", `Open in the dashboard: ${facts.link}`);
  return lines.join("\n");
}
