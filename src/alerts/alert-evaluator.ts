import type { Logger } from "pino";
import type { AlertStore, AlertTransaction, AlertWrite, FinishedJobEvent } from "../store/alert-store.js";
import type { Clock } from "../time/clock.js";
import type { AlertSettings } from "./alert-options.js";
import {
  ALERT_RULES,
  conditionFindings,
  eventFindings,
  failedForGood,
  scheduleFailingFinding,
  type AlertRuleName,
  type Finding,
} from "./alert-rules.js";
import { AlertStatus } from "./notification.js";
import { buildOutboxMessages } from "./notification-builder.js";
import { planNotifications } from "./notification-plan.js";
import { isSilenced, type ActiveSilence } from "./silence-matching.js";

const CURSOR = "finished-jobs";
/** Finished jobs read per pass: the cost of a pass is bounded; a backlog is read over several. */
const EVENT_BATCH = 1000;
/**
 * Jobs are read only once they finished this long ago: a job finished by a node whose commit
 * lands a little later (or whose calibrated clock is a little behind) still sorts after the
 * cursor when it becomes visible.
 */
export const EVENT_SETTLE_MS = 2000;

/**
 * One evaluation pass, in one transaction: read finished jobs past the cursor and the cluster's
 * state, fold them into the open alerts (one per rule and group key), decide the messages, write
 * the alerts and the outbox rows, and move the cursor. A crash before the commit leaves
 * everything as it was, so the next pass (on whichever node holds the lease) does it again;
 * nothing is told twice or lost.
 */
export class AlertEvaluator {
  constructor(
    private readonly store: AlertStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: AlertSettings,
    private readonly liveNodeWindowMs: number,
  ) {}

  /** Returns how many outbox messages the pass wrote. */
  evaluateOnce(): Promise<number> {
    const now = this.clock.now();
    return this.store.evaluate((tx) => this.#pass(tx, now));
  }

  async #pass(tx: AlertTransaction, now: number): Promise<number> {
    const { rules } = this.settings;
    const cursor = await tx.lockCursor(CURSOR);
    const events = await tx.finishedJobsAfter(cursor, now - EVENT_SETTLE_MS, EVENT_BATCH);
    const facts = await tx.clusterFacts(now, this.liveNodeWindowMs);
    const enabled = (finding: Finding) => rules[finding.rule].enabled;
    const eventHits = events
      .flatMap((job) => eventFindings(job, rules["occurrence-late"].thresholdMs))
      .concat(await this.#failureStreaks(tx, events))
      .filter(enabled);
    const conditionHits = conditionFindings(facts, now, {
      skewMs: rules["clock-skew"].thresholdMs,
      waitingMs: rules["oldest-waiting"].thresholdMs,
    }).filter(enabled);

    const open = new Map<string, AlertWrite>();
    for (const alert of await tx.openAlerts()) open.set(keyOf(alert.rule, alert.groupKey), alert);
    // Alerts an event joined in this pass stay open whatever the events' times (a backlog).
    const holding = new Set<string>();
    for (const hit of eventHits) {
      holding.add(keyOf(hit.rule, hit.groupKey));
      this.#count(open, hit);
    }
    for (const hit of conditionHits) {
      holding.add(keyOf(hit.rule, hit.groupKey));
      this.#hold(open, hit);
    }
    for (const alert of open.values()) this.#resolveIfCleared(alert, holding, now);
    this.#resolveRecoveredSchedules(open, holding, events, now);

    const silences: ActiveSilence[] = [
      ...this.settings.silences,
      ...(await tx.activeSilences(now)).map((silence) => ({
        matchers: silence.matchers,
        startsAt: silence.startsAt.getTime(),
        endsAt: silence.endsAt.getTime(),
      })),
    ];
    let written = 0;
    for (const alert of open.values()) {
      const rule = rules[alert.rule as AlertRuleName];
      const planned = planNotifications(
        alert,
        rule,
        this.settings.routes,
        isSilenced(alert, silences, now),
        now,
      );
      const id = await tx.writeAlert(alert);
      const messages = planned.flatMap((message) =>
        buildOutboxMessages(id, alert, message, this.settings.publicUrl),
      );
      await tx.enqueueMessages(messages, now);
      written += messages.length;
      if (alert.status === AlertStatus.Resolved)
        this.logger.info({ rule: alert.rule, groupKey: alert.groupKey }, "alert resolved");
    }
    const last = events.at(-1);
    if (last !== undefined) await tx.saveCursor(CURSOR, { at: last.finishedAt.getTime(), id: last.id });
    return written;
  }

  /** An event joins its group's open alert, or opens one. */
  #count(open: Map<string, AlertWrite>, hit: Finding): void {
    const key = keyOf(hit.rule, hit.groupKey);
    const alert = open.get(key) ?? this.#newAlert(hit, 0);
    alert.count += 1;
    if (hit.at >= alert.lastAt.getTime()) {
      alert.lastAt = new Date(hit.at);
      alert.subject = hit.subject;
      alert.summary = hit.summary;
      alert.labels = hit.labels;
    }
    alert.title = hit.title(alert.count);
    open.set(key, alert);
  }

  /** A condition that holds keeps its alert open (or opens one); its text follows the latest reading. */
  #hold(open: Map<string, AlertWrite>, hit: Finding): void {
    const key = keyOf(hit.rule, hit.groupKey);
    const alert = open.get(key) ?? this.#newAlert(hit, 1);
    alert.lastAt = new Date(hit.at);
    alert.title = hit.title(alert.count);
    alert.summary = hit.summary;
    alert.labels = hit.labels;
    open.set(key, alert);
  }

  /**
   * `schedule-failing`: each run that fails for good while the schedule's last N runs all
   * failed. One indexed query per failed scheduled run of the batch (jobs_by_schedule).
   */
  async #failureStreaks(tx: AlertTransaction, events: FinishedJobEvent[]): Promise<Finding[]> {
    const rule = this.settings.rules["schedule-failing"];
    const streak = Math.max(1, Math.round(rule.thresholdMs));
    if (!rule.enabled) return [];
    const findings: Finding[] = [];
    for (const job of events) {
      if (job.scheduleId === null || !failedForGood(job)) continue;
      const states = await tx.recentScheduleOutcomes(job.scheduleId, job.id, streak);
      if (
        states.length === streak &&
        states.every((state) => state === "dead" || state === "compensation_failed")
      ) {
        findings.push(scheduleFailingFinding(job, job.scheduleId, streak));
      }
    }
    return findings;
  }

  /** A schedule whose run succeeded is no longer failing: its streak alert resolves at once. */
  #resolveRecoveredSchedules(
    open: Map<string, AlertWrite>,
    holding: Set<string>,
    events: FinishedJobEvent[],
    now: number,
  ): void {
    for (const job of events) {
      if (job.scheduleId === null || job.state !== "succeeded") continue;
      const key = keyOf("schedule-failing", `schedule-failing:schedule=${job.scheduleId}`);
      const alert = open.get(key);
      // A failure after the success in this same batch keeps (or re-opens) it.
      if (
        alert === undefined ||
        alert.status !== AlertStatus.Firing ||
        alert.lastAt.getTime() > job.finishedAt.getTime()
      )
        continue;
      holding.delete(key);
      alert.status = AlertStatus.Resolved;
      alert.resolvedAt = new Date(now);
    }
  }

  #resolveIfCleared(alert: AlertWrite, holding: Set<string>, now: number): void {
    if (alert.status !== AlertStatus.Firing) return;
    if (holding.has(keyOf(alert.rule, alert.groupKey))) return;
    // A condition clears when it no longer holds; an event group after a quiet period.
    const cleared =
      alert.kind === "condition" ||
      now - alert.lastAt.getTime() >= this.settings.rules[alert.rule as AlertRuleName].resolveAfterMs;
    if (!cleared) return;
    alert.status = AlertStatus.Resolved;
    alert.resolvedAt = new Date(now);
  }

  #newAlert(hit: Finding, count: number): AlertWrite {
    const severity = this.settings.rules[hit.rule].severity;
    return {
      id: null,
      rule: hit.rule,
      groupKey: hit.groupKey,
      kind: ALERT_RULES[hit.rule].kind,
      baseSeverity: severity,
      severity,
      status: AlertStatus.Firing,
      title: hit.title(count),
      summary: hit.summary,
      subject: hit.subject,
      labels: hit.labels,
      count,
      firstAt: new Date(hit.at),
      lastAt: new Date(hit.at),
      notifiedCount: 0,
      firstNotifiedAt: null,
      lastNotifiedAt: null,
      notifiedChannels: [],
      escalatedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    };
  }
}

function keyOf(rule: string, groupKey: string): string {
  return `${rule}\u0000${groupKey}`;
}
