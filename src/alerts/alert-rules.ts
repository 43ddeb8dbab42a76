import type { SkipReason } from "../scheduler/occurrence-plan.js";
import type { AlertSubject, ClusterFacts, FinishedJobEvent } from "../store/alert-store.js";
import { Severity } from "./notification.js";

/**
 * The rules. Event rules look at finished jobs read past a cursor (each job counts once); their
 * alerts resolve after a quiet period (`schedule-failing` also, at once, when the schedule's
 * next run succeeds). Condition rules look at the cluster each pass; their
 * alerts resolve when the condition no longer holds. "No live node" and "no lease holder" are
 * not rules here: evaluation runs on the lease holder, a live node, so it can never see them —
 * they belong to Prometheus (deploy/prometheus/alerts.yml), which watches from outside.
 */
export const ALERT_RULES = {
  "job-dead": { kind: "event", severity: Severity.P1, threshold: 0 },
  "compensation-failed": { kind: "event", severity: Severity.P0, threshold: 0 },
  "occurrence-missed": { kind: "event", severity: Severity.P1, threshold: 0 },
  "occurrence-skipped": { kind: "event", severity: Severity.P2, threshold: 0 },
  "occurrence-late": { kind: "event", severity: Severity.P2, threshold: "5m" },
  // threshold: how many failed runs in a row (a count, not a duration).
  "schedule-failing": { kind: "event", severity: Severity.P1, threshold: 3 },
  "clock-skew": { kind: "condition", severity: Severity.P1, threshold: "2s" },
  "oldest-waiting": { kind: "condition", severity: Severity.P2, threshold: "15m" },
  "circuit-open": { kind: "condition", severity: Severity.P1, threshold: 0 },
} as const;
export type AlertRuleName = keyof typeof ALERT_RULES;

/** One observation a rule makes: an event (one finished job) or a condition that holds now. */
export interface Finding {
  rule: AlertRuleName;
  groupKey: string;
  title: (count: number) => string;
  summary: string;
  subject: AlertSubject;
  labels: Record<string, string>;
  at: number;
}

const NO_SUBJECT: AlertSubject = {
  task: null,
  scheduleId: null,
  queue: null,
  jobId: null,
  attempt: null,
  error: null,
};

const times = (count: number) => (count === 1 ? "" : ` (${count} times)`);

/** What the event rules make of one finished job; thresholds by rule name. */
export function eventFindings(job: FinishedJobEvent, lateThresholdMs: number): Finding[] {
  const subject: AlertSubject = {
    task: job.task,
    scheduleId: job.scheduleId,
    queue: job.queue,
    jobId: job.id,
    attempt: job.attempt,
    error: job.error,
  };
  const at = job.finishedAt.getTime();
  const findings: Finding[] = [];
  const errorLine = job.error === null ? "" : `\nLast error: ${job.error}`;
  if (job.state === "dead") {
    findings.push({
      rule: "job-dead",
      groupKey: `job-dead:task=${job.task}`,
      title: (count) => `Job ${job.task} went dead${times(count)}`,
      summary: `Job ${job.id} of task ${job.task} (queue ${job.queue}) spent its ${job.attempt} attempt(s) and is in the dead-letter queue.${errorLine}`,
      subject,
      labels: {},
      at,
    });
  }
  if (job.state === "compensation_failed") {
    findings.push({
      rule: "compensation-failed",
      groupKey: `compensation-failed:task=${job.task}`,
      title: (count) => `Saga ${job.task} could not be compensated${times(count)}`,
      summary: `Job ${job.id} of saga ${job.task} failed, and undoing its completed steps failed too: its effects are partly applied and need a person.${errorLine}`,
      subject,
      labels: {},
      at,
    });
  }
  if (job.state === "skipped" && job.scheduleId !== null) {
    const finding = skippedOccurrenceFinding(job, job.scheduleId, subject);
    if (finding !== null) findings.push(finding);
  }
  const lateMs =
    job.fireAt !== null && job.startedAt !== null ? job.startedAt.getTime() - job.fireAt.getTime() : null;
  if (lateMs !== null && lateMs > lateThresholdMs && job.scheduleId !== null) {
    findings.push({
      rule: "occurrence-late",
      groupKey: `occurrence-late:schedule=${job.scheduleId}`,
      title: (count) => `Schedule ${job.scheduleId} started late${times(count)}`,
      summary: `An occurrence of schedule ${job.scheduleId} (task ${job.task}) due at ${job.fireAt?.toISOString()} started ${Math.round(lateMs / 1000)}s late.`,
      subject,
      labels: { lateMs: String(lateMs) },
      at,
    });
  }
  return findings;
}

/**
 * Why an occurrence was recorded as skipped, from the error on its row: the occurrence
 * planner's reason (its message: `missed`, `catchup-window`, `calendar`), the overlap policy
 * (`OverlapSkipped`), or something else whose stored message says what (a dependency that failed…).
 */
type OccurrenceSkip = SkipReason | "overlap" | "other";

const PLANNER_REASONS: Record<SkipReason, string> = {
  missed:
    "no scheduler fired it within scheduler.misfireThreshold of its time, and the schedule's catch-up policy did not run it late",
  "catchup-window":
    "no scheduler fired it in time, and it was older than the schedule's catchupWindow when one next looked",
  calendar: "its date is on one of the schedule's exclusion calendars",
};

function occurrenceSkipOf(job: Pick<FinishedJobEvent, "error" | "errorCode" | "errorName">): OccurrenceSkip {
  if (job.errorCode !== "OCCURRENCE_SKIPPED") return "other";
  if (job.errorName === "OverlapSkipped") return "overlap";
  return job.error !== null && Object.hasOwn(PLANNER_REASONS, job.error)
    ? (job.error as SkipReason)
    : "other";
}

/**
 * A skipped occurrence, as an operator woken at 3 a.m. would want it. Missed because no
 * scheduler fired it in time (an outage: nodes down, cut off from the database, or stuck):
 * `occurrence-missed`, P1. Skipped while the previous run was still going (the overlap policy),
 * or for another recorded reason: `occurrence-skipped`, P2. Skipped on a date of an exclusion
 * calendar, or missed while a person had paused the schedule: nothing, since that is what was
 * asked for (still recorded as a skipped job, and counted). Nothing either for an occurrence of a
 * schedule that follows another (`after`), skipped because the leader's run did not succeed: the
 * leader's own failure is what alerts, once.
 */
function skippedOccurrenceFinding(
  job: FinishedJobEvent,
  scheduleId: string,
  subject: AlertSubject,
): Finding | null {
  if (job.errorCode === "DEPENDENCY_SKIPPED") return null;
  const reason = occurrenceSkipOf(job);
  const due = job.fireAt === null ? "" : ` due at ${job.fireAt.toISOString()}`;
  const at = job.finishedAt.getTime();
  if (reason === "calendar") return null;
  if (reason === "missed" || reason === "catchup-window") {
    if (job.schedulePaused) return null;
    const why = PLANNER_REASONS[reason];
    return {
      rule: "occurrence-missed",
      groupKey: `occurrence-missed:schedule=${scheduleId}`,
      title: (count) => `Schedule ${scheduleId} missed an occurrence${times(count)}`,
      summary: `The occurrence of schedule ${scheduleId} (task ${job.task})${due} never ran: ${why}. Check that nodes were running and could reach the database at that time.`,
      subject: { ...subject, error: `missed: ${why}` },
      labels: { reason },
      at,
    };
  }
  const why = job.error ?? "no reason was recorded";
  return {
    rule: "occurrence-skipped",
    groupKey: `occurrence-skipped:schedule=${scheduleId}`,
    title: (count) => `Schedule ${scheduleId} skipped an occurrence${times(count)}`,
    summary: `The occurrence of schedule ${scheduleId} (task ${job.task})${due} was skipped: ${why}.`,
    subject,
    labels: { reason },
    at,
  };
}

/** What the condition rules see in the cluster now: each finding is a condition that holds. */
export function conditionFindings(
  facts: ClusterFacts,
  now: number,
  thresholds: { skewMs: number; waitingMs: number },
): Finding[] {
  const findings: Finding[] = [];
  for (const node of facts.nodes) {
    if (Math.abs(node.clockSkewMs) <= thresholds.skewMs) continue;
    findings.push({
      rule: "clock-skew",
      groupKey: `clock-skew:node=${node.id}`,
      title: () => `Clock of node ${node.id} is ${node.clockSkewMs} ms off the database`,
      summary: `Node ${node.id} reports a clock skew of ${node.clockSkewMs} ms (threshold ${thresholds.skewMs} ms). TaskFlow times from the database clock, but logs and handlers on that node use its own: check NTP there.`,
      subject: NO_SUBJECT,
      labels: { node: node.id, skewMs: String(node.clockSkewMs) },
      at: now,
    });
  }
  const waiting = facts.oldestWaitingRunAt;
  if (waiting !== null && now - waiting.getTime() > thresholds.waitingMs) {
    const waitedS = Math.round((now - waiting.getTime()) / 1000);
    findings.push({
      rule: "oldest-waiting",
      groupKey: "oldest-waiting",
      title: () => `A due job has waited ${waitedS}s for a worker`,
      summary: `The oldest queued job was due at ${waiting.toISOString()}: workers are missing, saturated, or held back (rate limits, open circuits).`,
      subject: NO_SUBJECT,
      labels: { waitedMs: String(now - waiting.getTime()) },
      at: now,
    });
  }
  for (const circuit of facts.openCircuits) {
    findings.push({
      rule: "circuit-open",
      groupKey: `circuit-open:breaker=${circuit.breaker}`,
      title: () => `Circuit breaker ${circuit.breaker} is open`,
      summary: `Jobs of task ${circuit.task} are held back by breaker ${circuit.breaker}.${circuit.lastError === null ? "" : `\nLast error: ${circuit.lastError}`}`,
      subject: { ...NO_SUBJECT, task: circuit.task, error: circuit.lastError },
      labels: { breaker: circuit.breaker },
      at: now,
    });
  }
  return findings;
}

const FAILED_FOR_GOOD = new Set(["dead", "compensation_failed"]);

/** Whether the job failed for good (the runs that make a schedule's failure streak). */
export function failedForGood(job: FinishedJobEvent): boolean {
  return FAILED_FOR_GOOD.has(job.state);
}

/** A schedule whose last `streak` runs, up to and including `job`, all failed for good. */
export function scheduleFailingFinding(job: FinishedJobEvent, scheduleId: string, streak: number): Finding {
  return {
    rule: "schedule-failing",
    groupKey: `schedule-failing:schedule=${scheduleId}`,
    title: () => `Schedule ${scheduleId} failed ${streak} times in a row`,
    summary: `The last ${streak} runs of schedule ${scheduleId} (task ${job.task}) all failed for good; the latest is job ${job.id}.${job.error === null ? "" : `\nLast error: ${job.error}`}`,
    subject: {
      task: job.task,
      scheduleId,
      queue: job.queue,
      jobId: job.id,
      attempt: job.attempt,
      error: job.error,
    },
    labels: { streak: String(streak) },
    at: job.finishedAt.getTime(),
  };
}
