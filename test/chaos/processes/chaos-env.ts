// chaos-env.ts — what a chaos child process is told through its environment, and the worker
// settings every child shares: short leases so a killed or frozen worker's jobs come back fast.
import type { SchedulerOptions, WorkerOptions, MaintenanceOptions } from "../../../src/index.js";

export interface ChaosChildEnv {
  database: string;
  schema: string;
  workerId: string;
  concurrency: number;
  /** How many schedules a `schedule-node` upserts at boot (see chaos-schedules.ts). */
  schedules?: number;
}

export const CHAOS_WORKER_SETTINGS = {
  leaseDuration: "2s",
  reapInterval: "500ms",
  pollInterval: "200ms",
  drainTimeout: "1s",
} as const satisfies WorkerOptions;

/**
 * Only the maintenance lease holder reaps expired leases: a short TTL lets another node take over
 * housekeeping quickly when the holder is killed or frozen.
 */
export const CHAOS_MAINTENANCE_SETTINGS = { leaseTtl: "2s" } as const satisfies MaintenanceOptions;

/**
 * The fire loop of a chaos node: the defaults, but looking for due schedules twice a second. The
 * misfire threshold stays at 30 s: some other node is always alive to fire on time.
 */
export const CHAOS_SCHEDULER_SETTINGS = {
  lookahead: "2s",
  pollInterval: "500ms",
  misfireThreshold: "30s",
} as const satisfies SchedulerOptions;

export function chaosChildEnv(env: ChaosChildEnv): Record<string, string> {
  return {
    CHAOS_DATABASE: env.database,
    CHAOS_SCHEMA: env.schema,
    CHAOS_WORKER_ID: env.workerId,
    CHAOS_CONCURRENCY: String(env.concurrency),
    ...(env.schedules === undefined ? {} : { CHAOS_SCHEDULES: String(env.schedules) }),
  };
}

export function readChaosChildEnv(): ChaosChildEnv {
  const required = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`chaos child: ${name} is not set`);
    return value;
  };
  const schedules = process.env.CHAOS_SCHEDULES;
  return {
    database: required("CHAOS_DATABASE"),
    schema: required("CHAOS_SCHEMA"),
    workerId: required("CHAOS_WORKER_ID"),
    concurrency: Number(required("CHAOS_CONCURRENCY")),
    ...(schedules === undefined || schedules === "" ? {} : { schedules: Number(schedules) }),
  };
}

/** Graceful stop on SIGTERM (drain, then exit 0), so a test can wait for every write to be tried. */
export function exitOnSigterm(stop: () => Promise<void>): void {
  process.once("SIGTERM", () => {
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("chaos child: stop failed", error);
        process.exit(1);
      },
    );
  });
}

/**
 * Exits when the test process that spawned this child is gone (killed hard, so its cleanup never
 * ran). The check's timer is unref'd: it must not keep the child alive on its own, or it would
 * hide a worker that exits by itself.
 */
export function exitWhenOrphaned(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(2);
  }, 1000).unref();
}
