// The API's response shapes as the dashboard reads them (dates arrive as ISO strings).
// Source of truth: src/server/routes/*.ts and the domain types they return.

export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const JOB_STATES = [
  "waiting",
  "queued",
  "running",
  "succeeded",
  "dead",
  "cancelled",
  "skipped",
  "compensating",
  "compensated",
  "compensation_failed",
] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface Principal {
  tokenId: string;
  label: string;
  role: Role;
}

export interface Session {
  principal: Principal;
  csrfToken: string | null;
  expiresAt: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type ScheduleTiming =
  | { kind: "cron"; expression: string; timezone: string }
  | { kind: "every"; intervalMs: number; anchorMs: number }
  | { kind: "at"; atMs: number }
  | { kind: "after"; schedule: string; onFailure: "fail" | "skip" | "continue" };

export type ScheduleOwner = "file" | "api" | "code";

export interface RecentRun {
  id: string;
  state: JobState;
  fireAt: string | null;
  finishedAt: string | null;
}

export interface Schedule {
  id: string;
  owner: ScheduleOwner;
  task: string;
  payload: unknown;
  spec: Record<string, unknown>;
  timing: ScheduleTiming;
  overlap: string;
  catchup: string;
  paused: boolean;
  nextFireAt: string | null;
  lastFireAt: string | null;
  skippedCount: number;
  createdAt: string;
  updatedAt: string;
  recentRuns?: RecentRun[];
}

export interface ScheduleWithUpcoming extends Schedule {
  upcoming: string[];
}

export interface ScheduleChange {
  at: string;
  actor: string;
  action: string;
  before: unknown;
  after: unknown;
}

export interface TaskInfo {
  name: string;
  kind: string;
}

export interface JobError {
  code: string;
  name: string;
  message: string;
  stack?: string;
  attempt?: number;
  at?: string;
}

export interface Job {
  id: string;
  task: string;
  queue: string;
  payload: unknown;
  state: JobState;
  priority: number;
  runAt: string;
  attempt: number;
  maxAttempts: number | null;
  timeoutMs: number | null;
  tags: string[];
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  rateLimitKey: string | null;
  circuitKey: string | null;
  progress: unknown;
  result: unknown;
  lastError: JobError | null;
  cancelRequested: boolean;
  scheduleId: string | null;
  fireAt: string | null;
  /** The trace of the run's enqueue or fire (docs/tracing.md); null when nothing was traced. */
  traceId: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A completed durable step of a run (`ctx.step`). */
/** A job at the other end of a dependency edge (GET /api/v1/jobs/:id/dependencies). */
export interface DependencyLink {
  jobId: string;
  /** The flow's name of the dependency; null outside a flow. */
  name: string | null;
  onFailure: "fail" | "skip" | "continue";
  task: string;
  state: JobState;
  result: unknown;
  finishedAt: string | null;
}

export interface JobDependencies {
  dependencies: DependencyLink[];
  dependents: DependencyLink[];
}

export interface JobStep {
  name: string;
  result: unknown;
  /** The attempt that completed it. */
  fence: number;
  completedAt: string;
}

export interface JobAttempt {
  attempt: number;
  outcome: "failed" | "running" | "succeeded" | "cancelled" | "compensated";
  /** True for an attempt that was undoing a saga's completed steps. */
  compensation: boolean;
  worker: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: JobError | null;
}

export interface JobLog {
  attempt: number;
  at: string;
  level: string;
  message: string;
  data: unknown;
}

export interface NodeInfo {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  lastSeenAt: string;
  clockSkewMs: number;
}

export interface LeaseHolder {
  holder: string;
  fence: number;
  expiresAt: string;
}

export interface ThroughputBucket {
  at: string;
  succeeded: number;
  dead: number;
  cancelled: number;
}

export interface NextFire {
  scheduleId: string;
  task: string;
  at: string;
  timing: ScheduleTiming;
}

export interface Overview {
  now: string;
  nodes: NodeInfo[];
  maintenanceLeaseHolder: LeaseHolder | null;
  queue: {
    ready: number;
    scheduled: number;
    running: number;
    oldestReadyRunAt: string | null;
    oldestReadyAgeMs: number | null;
    capped: boolean;
  };
  throughput: { lastHour: ThroughputBucket[]; lastDay: ThroughputBucket[] };
  fireLatenessLastHour: { samples: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
  nextFires: NextFire[];
}

export interface ApiToken {
  id: string;
  label: string;
  role: Role;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
}
