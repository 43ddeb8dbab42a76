// schedule-oracle.ts — the oracle of the scheduling chaos runs. It knows, from each schedule's
// stored timing, every fire time a schedule must have had in a window, and compares them with
// the jobs table (one job per occurrence, succeeded) and the append-only `schedule_ledger` the
// `chaos-node` children write (one row per occurrence, never early by the database clock). It
// computes fire times itself, from the grid of each timing, not with the engine's cron code.
import type pg from "pg";
import type { ScheduleTiming } from "../src/index.js";
import { EVERY_MINUTE_CRONS, EVERY_SECOND_CRON } from "./processes/chaos-schedules.js";

/**
 * No key on purpose: an occurrence run twice shows as two rows. `at` is the database clock when
 * the handler's transaction wrote the row, the one clock every node is judged by.
 */
const CREATE_SCHEDULE_LEDGER = `CREATE TABLE schedule_ledger (
  job_id bigint NOT NULL,
  schedule_id text NOT NULL,
  fire_at timestamptz NOT NULL,
  attempt int NOT NULL,
  worker text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp())`;

export async function createScheduleLedger(pool: pg.Pool): Promise<void> {
  await pool.query(CREATE_SCHEDULE_LEDGER);
}

/** The database clock, in ms since the epoch. */
export async function databaseNow(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ now_ms: string }>(
    "SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now_ms",
  );
  return Math.floor(Number(rows[0]?.now_ms));
}

/** Occurrences of `task` due by `toMs` that are not finished yet (queued, or running). */
export async function unfinishedOccurrences(pool: pg.Pool, task: string, toMs: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM jobs
     WHERE task = $1 AND fire_at <= $2 AND state IN ('queued', 'running')`,
    [task, new Date(toMs)],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface LagFigures {
  p50: number;
  p99: number;
  max: number;
}

export interface WorkerFigures {
  /** Ledger rows this worker wrote. */
  effects: number;
  /**
   * Median of ledger time (database clock) minus the job's `started_at` (the claiming node's
   * calibrated clock): near zero when the node's idea of "now" agrees with the database.
   */
  claimToEffectP50Ms: number;
}

export interface ScheduleVerdict {
  schedules: number;
  /** Occurrences expected in the judged window (over all schedules). */
  judged: number;
  /** Expected occurrences with no job at all. */
  missing: number;
  /** Expected occurrences whose job did not succeed, by state (skipped, dead, still queued…). */
  notSucceeded: Record<string, number>;
  /** Expected occurrences that succeeded without exactly one ledger row. */
  succeededNotExactlyOnce: number;
  /** (schedule, fire time) pairs with more than one job row (the UNIQUE index forbids it). */
  duplicateJobs: number;
  /** (schedule, fire time) pairs with more than one ledger row: an occurrence run twice. */
  duplicateEffects: number;
  /** Ledger rows of jobs that did not succeed, or written by an attempt that did not complete it. */
  strayEffects: number;
  /** Ledger rows written before their fire time (minus the tolerance), by the database clock. */
  earlyEffects: number;
  /** How early the earliest of them ran, in ms (0 if none). */
  earliestEffectMs: number;
  /** Jobs whose fire time is not one of their schedule's fire times. */
  offGrid: number;
  /** Judged occurrences that were claimed more than once (their worker was killed). */
  reclaimed: number;
  /** Jobs of the task recorded as skipped, anywhere in time. */
  skippedAnywhere: number;
  /** Claim time (`jobs.started_at`, of the attempt that ran it) minus fire time, judged occurrences. */
  claimLagMs: LagFigures;
  /** Ledger time (the handler's write, database clock) minus fire time of the judged occurrences. */
  fireLagMs: LagFigures;
  /** The same by kind of timing: cron `* * * * * *` fires all its schedules at the same instant. */
  fireLagMsByKind: Record<string, LagFigures>;
  /** Judged occurrences and their fire lag by cadence ("1s", "1m"). */
  byCadence: Record<string, { judged: number; fireLagMs: LagFigures }>;
  workers: Record<string, WorkerFigures>;
  /** A few of the problems found, to say what went wrong. */
  examples: string[];
}

interface ScheduleRow {
  id: string;
  timing: ScheduleTiming;
  created_ms: string;
}
interface JobRow {
  id: string;
  schedule_id: string;
  fire_ms: string;
  state: string;
  attempt: number;
  started_ms: string | null;
}
interface LedgerRow {
  job_id: string;
  schedule_id: string;
  fire_ms: string;
  attempt: number;
  worker: string;
  at_ms: string;
}

/** The period of the UTC cron expressions the chaos schedules use (their fire times are its multiples). */
function cronPeriodMs(timing: ScheduleTiming & { kind: "cron" }): number {
  if (timing.timezone !== "UTC")
    throw new Error(`the schedule oracle judges UTC only, not ${timing.timezone}`);
  if (timing.expression === EVERY_SECOND_CRON) return 1000;
  if ((EVERY_MINUTE_CRONS as readonly string[]).includes(timing.expression)) return 60_000;
  throw new Error(`the schedule oracle does not know the cron expression ${timing.expression}`);
}

/** Fire times of a schedule in [fromMs, toMs]; only the timings the chaos schedules use. */
export function expectedFireTimes(timing: ScheduleTiming, createdMs: number, fromMs: number, toMs: number) {
  const times: number[] = [];
  if (timing.kind === "every") {
    // The anchor itself is not an occurrence: the first one is one interval after it.
    const first = Math.max(1, Math.ceil((fromMs - timing.anchorMs) / timing.intervalMs));
    for (let t = timing.anchorMs + first * timing.intervalMs; t <= toMs; t += timing.intervalMs)
      times.push(t);
  } else if (timing.kind === "cron") {
    // A cron schedule's first occurrence is the first match after its creation.
    const period = cronPeriodMs(timing);
    for (let t = Math.ceil(Math.max(fromMs, createdMs + 1) / period) * period; t <= toMs; t += period)
      times.push(t);
  } else {
    throw new Error(`the schedule oracle does not know the timing ${JSON.stringify(timing)}`);
  }
  return times;
}

function onGrid(timing: ScheduleTiming, fireMs: number): boolean {
  if (timing.kind === "every")
    return fireMs > timing.anchorMs && (fireMs - timing.anchorMs) % timing.intervalMs === 0;
  if (timing.kind === "cron") return fireMs % cronPeriodMs(timing) === 0;
  return false;
}

/** A schedule's cadence as the oracle groups lag figures: "1s", "1m"… */
function cadenceOf(timing: ScheduleTiming): string {
  const period =
    timing.kind === "every" ? timing.intervalMs : timing.kind === "cron" ? cronPeriodMs(timing) : 0;
  return period % 60_000 === 0 ? `${period / 60_000}m` : `${period / 1000}s`;
}

export function lagFigures(values: number[]): LagFigures {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return { p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) ?? NaN) };
}

const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)`;

interface OccurrenceData {
  schedules: ScheduleRow[];
  jobs: JobRow[];
  ledger: LedgerRow[];
}

async function loadOccurrences(pool: pg.Pool, task: string): Promise<OccurrenceData> {
  const schedules = await pool.query<ScheduleRow>(
    `SELECT id, timing, ${ms("created_at")} AS created_ms FROM schedules`,
  );
  const jobs = await pool.query<JobRow>(
    `SELECT id, schedule_id, ${ms("fire_at")}::bigint AS fire_ms, state, attempt, ${ms("started_at")} AS started_ms
     FROM jobs WHERE task = $1 AND fire_at IS NOT NULL`,
    [task],
  );
  const ledger = await pool.query<LedgerRow>(
    `SELECT job_id, schedule_id, ${ms("fire_at")}::bigint AS fire_ms, attempt, worker, ${ms("at")} AS at_ms
     FROM schedule_ledger`,
  );
  return { schedules: schedules.rows, jobs: jobs.rows, ledger: ledger.rows };
}

const occurrenceKey = (scheduleId: string, fireMs: number | string) =>
  `${scheduleId}@${new Date(Number(fireMs)).toISOString()}`;

function groupBy<T>(rows: T[], keyOf: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = map.get(key);
    if (group === undefined) map.set(key, [row]);
    else group.push(row);
  }
  return map;
}

/** What the judging steps share: the data, grouped, and the verdict they fill in. */
class Judgement {
  readonly jobsByOccurrence: Map<string, JobRow[]>;
  readonly effectsByOccurrence: Map<string, LedgerRow[]>;
  readonly jobsById: Map<string, JobRow>;
  readonly verdict: ScheduleVerdict;

  constructor(readonly data: OccurrenceData) {
    this.jobsByOccurrence = groupBy(data.jobs, (j) => occurrenceKey(j.schedule_id, j.fire_ms));
    this.effectsByOccurrence = groupBy(data.ledger, (l) => occurrenceKey(l.schedule_id, l.fire_ms));
    this.jobsById = new Map(data.jobs.map((job) => [job.id, job]));
    this.verdict = {
      schedules: data.schedules.length,
      judged: 0,
      missing: 0,
      notSucceeded: {},
      succeededNotExactlyOnce: 0,
      duplicateJobs: 0,
      duplicateEffects: 0,
      strayEffects: 0,
      earlyEffects: 0,
      earliestEffectMs: 0,
      offGrid: 0,
      reclaimed: 0,
      skippedAnywhere: data.jobs.filter((job) => job.state === "skipped").length,
      claimLagMs: { p50: NaN, p99: NaN, max: NaN },
      fireLagMs: { p50: NaN, p99: NaN, max: NaN },
      fireLagMsByKind: {},
      byCadence: {},
      workers: {},
      examples: [],
    };
  }

  note(problem: string): void {
    if (this.verdict.examples.length < 8) this.verdict.examples.push(problem);
  }

  /** Every job and ledger row, whatever its time: no pair twice, every fire time on its grid. */
  checkEveryJob(): void {
    const timingOf = new Map(this.data.schedules.map((s) => [s.id, s.timing]));
    for (const [occurrence, rows] of this.jobsByOccurrence) {
      if (rows.length < 2) continue;
      this.verdict.duplicateJobs++;
      this.note(`${occurrence}: ${rows.length} jobs`);
    }
    for (const [occurrence, rows] of this.effectsByOccurrence) {
      if (rows.length < 2) continue;
      this.verdict.duplicateEffects++;
      this.note(`${occurrence}: run by ${rows.map((r) => `${r.worker} (attempt ${r.attempt})`).join(", ")}`);
    }
    for (const job of this.data.jobs) {
      const timing = timingOf.get(job.schedule_id);
      if (timing !== undefined && onGrid(timing, Number(job.fire_ms))) continue;
      this.verdict.offGrid++;
      this.note(`${occurrenceKey(job.schedule_id, job.fire_ms)}: not a fire time of its schedule`);
    }
  }

  /** Every ledger row: not early, written by the attempt that completed its job; per worker figures. */
  checkEveryEffect(earlyToleranceMs: number): void {
    const claimToEffect = new Map<string, number[]>();
    for (const effect of this.data.ledger) {
      const occurrence = occurrenceKey(effect.schedule_id, effect.fire_ms);
      const early = Number(effect.fire_ms) - Number(effect.at_ms);
      if (early > earlyToleranceMs) {
        this.verdict.earlyEffects++;
        this.verdict.earliestEffectMs = Math.max(this.verdict.earliestEffectMs, Math.round(early));
        this.note(`${occurrence}: ran ${early.toFixed(1)} ms before its fire time on ${effect.worker}`);
      }
      const job = this.jobsById.get(effect.job_id);
      if (job === undefined || job.state !== "succeeded" || job.attempt !== effect.attempt) {
        this.verdict.strayEffects++;
        this.note(
          `${occurrence}: ledger row of attempt ${effect.attempt} by ${effect.worker}, job ${job?.state ?? "absent"}`,
        );
        continue;
      }
      const figures = (this.verdict.workers[effect.worker] ??= { effects: 0, claimToEffectP50Ms: NaN });
      figures.effects++;
      if (job.started_ms === null) continue;
      const values = claimToEffect.get(effect.worker) ?? [];
      values.push(Number(effect.at_ms) - Number(job.started_ms));
      claimToEffect.set(effect.worker, values);
    }
    for (const [worker, values] of claimToEffect)
      (this.verdict.workers[worker] as WorkerFigures).claimToEffectP50Ms = lagFigures(values).p50;
  }

  /** Every fire time expected in the window: one job, succeeded, with exactly one ledger row. */
  checkWindow(fromMs: number, toMs: number): void {
    const lags: number[] = [];
    const claimLags: number[] = [];
    const lagsByKind = new Map<string, number[]>();
    const lagsByCadence = new Map<string, { judged: number; lags: number[] }>();
    for (const schedule of this.data.schedules) {
      const kindLags = lagsByKind.get(schedule.timing.kind) ?? [];
      lagsByKind.set(schedule.timing.kind, kindLags);
      const cadence = cadenceOf(schedule.timing);
      const byCadence = lagsByCadence.get(cadence) ?? { judged: 0, lags: [] };
      lagsByCadence.set(cadence, byCadence);
      for (const fireMs of expectedFireTimes(schedule.timing, Number(schedule.created_ms), fromMs, toMs)) {
        this.verdict.judged++;
        byCadence.judged++;
        const occurrence = occurrenceKey(schedule.id, fireMs);
        const job = this.jobsByOccurrence.get(occurrence)?.[0];
        const effects = this.effectsByOccurrence.get(occurrence) ?? [];
        if (job === undefined) {
          this.verdict.missing++;
          this.note(`${occurrence}: no job`);
        } else if (job.state !== "succeeded") {
          this.verdict.notSucceeded[job.state] = (this.verdict.notSucceeded[job.state] ?? 0) + 1;
          this.note(`${occurrence}: job ${job.id} is ${job.state}`);
        } else if (effects.length !== 1) {
          this.verdict.succeededNotExactlyOnce++;
          this.note(`${occurrence}: succeeded with ${effects.length} ledger rows`);
        }
        if (job !== undefined && job.attempt > 1) this.verdict.reclaimed++;
        if (job !== undefined && job.started_ms !== null) claimLags.push(Number(job.started_ms) - fireMs);
        const first = effects[0];
        if (first === undefined) continue;
        lags.push(Number(first.at_ms) - fireMs);
        kindLags.push(Number(first.at_ms) - fireMs);
        byCadence.lags.push(Number(first.at_ms) - fireMs);
      }
    }
    this.verdict.fireLagMs = lagFigures(lags);
    this.verdict.claimLagMs = lagFigures(claimLags);
    for (const [kind, values] of lagsByKind) this.verdict.fireLagMsByKind[kind] = lagFigures(values);
    for (const [cadence, { judged, lags: values }] of lagsByCadence)
      this.verdict.byCadence[cadence] = { judged, fireLagMs: lagFigures(values) };
  }
}

/**
 * Judges every occurrence of `task` expected in [fromMs, toMs] (database clock), and every job
 * and ledger row of `task` whatever its time. `earlyToleranceMs` allows for clock reading noise.
 */
export async function judgeOccurrences(
  pool: pg.Pool,
  task: string,
  window: { fromMs: number; toMs: number },
  earlyToleranceMs: number,
): Promise<ScheduleVerdict> {
  const judgement = new Judgement(await loadOccurrences(pool, task));
  judgement.checkEveryJob();
  judgement.checkEveryEffect(earlyToleranceMs);
  judgement.checkWindow(window.fromMs, window.toMs);
  return judgement.verdict;
}
