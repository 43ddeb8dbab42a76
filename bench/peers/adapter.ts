// bench/peers/adapter.ts — what the benchmark needs from a job system, so TaskFlow and each peer
// (pg-boss, Graphile Worker, BullMQ, croner) run the same scenarios (bench/queue-scenarios.ts,
// bench/compare-cron.ts). One file per system in this folder implements it.
import type { ServerCpuProbe } from "../bench-cpu.js";

/** The payload every system carries: the same small JSON object. */
export interface BenchPayload {
  i: number;
}

/** Called first thing in a job's handler, with the job's payload. */
export type JobHandler = (payload: BenchPayload) => void;

/** Workers started by `startWorkers`; `stop()` drains them and releases their connections. */
export interface RunningWorkers {
  stop(): Promise<void>;
}

/**
 * A recurring schedule running in this process. `onFire` gets the occurrence's intended fire
 * time (epoch ms) as the system states it, called first thing in the handler.
 */
export interface RecurringSchedule {
  /** How far apart occurrences are: 1,000 for every second, 60,000 for minute-granularity cron. */
  periodMs: number;
  /** How the schedule was declared, in the system's own words (for the report). */
  declaration: string;
  stop(): Promise<void>;
}

export type SettingsName = "default" | "tuned";

/** The settings a run used, for the report: options set, pool sizes, where the advice came from. */
export interface AdapterSettings {
  name: SettingsName;
  /** Options changed from the system's defaults (empty for "default", bar the concurrency). */
  options: Record<string, unknown>;
  /** Connections each component may open (pool sizes), in words. */
  connections: string;
  /** Where the tuning advice comes from (a documentation URL), for "tuned". */
  source?: string;
  /** How the worker concurrency of a row maps onto the system's options. */
  concurrency: string;
}

/** Anything the bench measures: a job system, or croner (a schedule only, the timer floor). */
export interface BenchSubject {
  /** The system's name, e.g. "pg-boss". */
  readonly system: string;
  /** The package version under test. */
  readonly version: string;
  readonly settings: AdapterSettings;
  /** Creates the system's tables (or key space) in a fresh schema (or prefix); opens producers. */
  setup(): Promise<void>;
  /** Server version, e.g. "PostgreSQL 15.4" or "Redis 7.0.15"; null when there is no server. */
  serverVersion(): Promise<string | null>;
  /**
   * Starts the finest recurring schedule the system offers towards "every second", with a
   * worker to run it; `onFire` gets each occurrence's intended fire time. Absent: no scheduler.
   */
  scheduleRecurring?(onFire: (intendedAt: number) => void): Promise<RecurringSchedule>;
  /** Drops the schema (or deletes the prefix's keys) and closes every connection. */
  teardown(): Promise<void>;
}

/** A job system: the queue scenarios run against this. */
export interface SystemAdapter extends BenchSubject {
  /** Empties the queue between runs, so each run starts from the same state. */
  reset(): Promise<void>;
  /** Enqueues the payloads with the system's batch API, in one call. */
  enqueueBatch(payloads: BenchPayload[]): Promise<void>;
  /** Enqueues one job with the system's ordinary single-job API. */
  enqueueOne(payload: BenchPayload): Promise<void>;
  /** After a backlog is enqueued and before workers start: refresh planner statistics (ANALYZE). */
  settleBacklog(): Promise<void>;
  /** Starts workers with `concurrency` handlers at most running at once. */
  startWorkers(concurrency: number, handler: JobHandler): Promise<RunningWorkers>;
  /** Jobs enqueued since the last reset that the system has not yet recorded as complete. */
  countUnfinished(): Promise<number>;
  /** CPU of the server work done for this process (null: not measurable here). */
  serverCpu(): ServerCpuProbe | null;
  /** Errors the system reported meanwhile (first few), as its logger is silenced. */
  readonly errors?: string[];
}

/** Where each adapter finds its servers and what to name its private space. */
export interface AdapterEnvironment {
  databaseUrl: string;
  redis: { host: string; port: number };
  /** A fresh name for this process's schema (PostgreSQL) or key prefix (Redis). */
  namespace: string;
}

/**
 * Loads a peer from bench/node_modules. The name is a plain string on purpose: TypeScript does
 * not resolve it, so TaskFlow's own typecheck passes without bench/'s dependencies installed;
 * each adapter types the little of the peer's API it uses.
 */
export async function importPeer<Module>(packageName: string): Promise<Module> {
  return (await import(packageName)) as Module;
}
