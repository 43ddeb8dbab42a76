// chaos-env.ts — what a chaos child process is told through its environment, and the worker
// settings every child shares: short leases so a killed or frozen worker's jobs come back fast.
import type { SchedulerOptions, WorkerOptions, MaintenanceOptions } from "../../src/index.js";

/** A range of milliseconds; each use draws a value in it from the child's seeded PRNG. */
export type MsRange = readonly [min: number, max: number];

/** How the `chaos.ledger` handler behaves (defaults: a few ms, partly inside the transaction). */
export interface LedgerJobBehaviour {
  /** Work before the completion transaction. @defaultValue [0, 3] */
  beforeMs?: MsRange;
  /** Work inside the completion transaction, after the ledger insert. @defaultValue [0, 2] */
  inTransactionMs?: MsRange;
  /** Keep working when the attempt's signal fires (a handler stuck in a slow call). @defaultValue false */
  ignoreAbort?: boolean;
  /** Write progress before the transaction (one more fenced write to be refused). @defaultValue false */
  progress?: boolean;
}

export interface ChaosChildEnv {
  database: string;
  schema: string;
  workerId: string;
  concurrency: number;
  /** How many per-second schedules a `chaos-node` upserts at boot (see chaos-schedules.ts). */
  schedules?: number;
  /** How many per-minute schedules it upserts too. */
  minuteSchedules?: number;
  /** Seed of the child's PRNG (its random delays); forked by the parent from the run's seed. */
  seed?: number;
  ledgerJob?: LedgerJobBehaviour;
  /** Work inside the `chaos.scheduled` completion transaction, after its ledger insert. */
  scheduledInTransactionMs?: MsRange;
  /** Record every handler start in the `executions` table (to count executions, not just claims). */
  executionLedger?: boolean;
  /** Arm a fire hold on request (`hold-fire`): block this long inside the next fire transaction. */
  fireHoldMs?: number;
  /** Report the wall clock and the measured skew this often (0: only once, at start). */
  clockReportMs?: number;
  /** Register the `chaos.saga` task (the saga crash test). @defaultValue false */
  sagas?: boolean;
  /** Overrides CHAOS_WORKER_SETTINGS.drainTimeout. */
  drainTimeoutMs?: number;
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

type ExtraSettings = Omit<ChaosChildEnv, "database" | "schema" | "workerId" | "concurrency" | "schedules">;

export function chaosChildEnv(env: ChaosChildEnv): Record<string, string> {
  const { database, schema, workerId, concurrency, schedules, ...extra } = env;
  return {
    CHAOS_DATABASE: database,
    CHAOS_SCHEMA: schema,
    CHAOS_WORKER_ID: workerId,
    CHAOS_CONCURRENCY: String(concurrency),
    ...(schedules === undefined ? {} : { CHAOS_SCHEDULES: String(schedules) }),
    CHAOS_NODE: JSON.stringify(extra satisfies ExtraSettings),
  };
}

export function readChaosChildEnv(): ChaosChildEnv {
  const required = (name: string): string => {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`chaos child: ${name} is not set`);
    return value;
  };
  const schedules = process.env.CHAOS_SCHEDULES;
  const extra = JSON.parse(process.env.CHAOS_NODE || "{}") as ExtraSettings;
  return {
    ...extra,
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
        process.stderr.write(`chaos child: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

/**
 * Exits when the process that spawned this child is gone (killed hard, so its cleanup never
 * ran). The check's timer is unref'd: it must not keep the child alive on its own, or it would
 * hide a worker that exits by itself.
 */
export function exitWhenOrphaned(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(2);
  }, 1000).unref();
}
