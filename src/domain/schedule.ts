import type { OnDependencyFailure } from "./dependencies.js";
import type { ResolvedRetryPolicy } from "./retry-policy.js";

/**
 * How a schedule's fire times are computed (see scheduler/next-fire.ts for the DST rule). An
 * `after` schedule has no fire times of its own: each occurrence of the schedule it follows
 * brings one of its own, with the same fire time, that waits for that occurrence's run to end
 * (docs/schedules.md, "Running after another schedule").
 */
export type ScheduleTiming =
  | { kind: "cron"; expression: string; timezone: string }
  | { kind: "every"; intervalMs: number; anchorMs: number }
  | { kind: "at"; atMs: number }
  | { kind: "after"; schedule: string; onFailure: OnDependencyFailure };

export const CatchupPolicy = { Skip: "skip", Latest: "latest", All: "all" } as const;
export type CatchupPolicy = (typeof CatchupPolicy)[keyof typeof CatchupPolicy];

export const OverlapPolicy = { Allow: "allow", Skip: "skip", Queue: "queue", Replace: "replace" } as const;
export type OverlapPolicy = (typeof OverlapPolicy)[keyof typeof OverlapPolicy];

/** A named set of dates on which a schedule's occurrences are skipped (e.g. public holidays). */
export interface ExclusionCalendar {
  name: string;
  /** Inclusive ranges of local dates, `YYYY-MM-DD`. A single date has `from === to`. */
  ranges: { from: string; to: string }[];
}

/** A validated schedule definition. */
export interface ResolvedSchedule {
  id: string;
  task: string;
  payloadJson: string;
  /** The normalized spec as its author gave it: an upsert with an equal spec changes nothing. */
  specJson: string;
  timing: ScheduleTiming;
  startAt: number | null;
  endAt: number | null;
  jitterMs: number;
  catchup: CatchupPolicy;
  catchupWindowMs: number;
  maxCatchup: number;
  overlap: OverlapPolicy;
  calendars: string[];
  queue: string;
  priority: number;
  maxAttempts: number | null;
  timeoutMs: number | null;
  retry: ResolvedRetryPolicy | null;
}

/**
 * Who manages a schedule: `code` (`tf.schedule` in a program), `file` (taskflow.yaml: the config
 * loader creates, updates and removes these, and only these) or `api` (REST API, CLI, dashboard).
 */
export const ScheduleOwner = { Code: "code", File: "file", Api: "api" } as const;
export type ScheduleOwner = (typeof ScheduleOwner)[keyof typeof ScheduleOwner];

/** A schedule as the store holds it. */
export interface Schedule {
  id: string;
  /** Who created it; fixed at creation. */
  owner: ScheduleOwner;
  task: string;
  payload: unknown;
  /** The spec as its author gave it. */
  spec: Record<string, unknown>;
  timing: ScheduleTiming;
  overlap: OverlapPolicy;
  catchup: CatchupPolicy;
  paused: boolean;
  /** The next occurrence not yet enqueued; null when the schedule has no more. */
  nextFireAt: Date | null;
  lastFireAt: Date | null;
  /** Occurrences skipped so far (missed, outside the catch-up window, on a calendar date, overlap). */
  skippedCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScheduleChange {
  at: Date;
  actor: string;
  action: "created" | "updated" | "paused" | "resumed" | "deleted" | "triggered";
  before: unknown;
  after: unknown;
}
