import type { NewJob } from "../../domain/enqueue-options.js";
import { ErrorCode, InvalidInputError, InvalidStateError, NotFoundError } from "../../domain/errors.js";
import type { ClaimedJob, Job, JobError, Lease } from "../../domain/job.js";
import { jobAttempts, type FailedAttemptRecord, type JobAttempt } from "../../domain/job-attempts.js";
import type { SqlClient } from "../../domain/task.js";
import { FINISHED_STATES } from "../../domain/job-state.js";
import type {
  CircuitBreakerState,
  CircuitOutcome,
  CircuitState,
  CircuitTransition,
  ClaimRequest,
  Completion,
  DeadJobFilter,
  EnqueueOutcome,
  Failure,
  JobFilter,
  JobLogEntry,
  LeaseRenewal,
  ReapedJob,
  Store,
  StoredJobLog,
  WakeHint,
} from "../store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { toJob, type JobRow } from "./job-rows.js";
import { breakerLockKey, JobClaimer } from "./postgres-claim.js";
import { PostgresAccessStore } from "./postgres-access-store.js";
import { PostgresAlertStore } from "./postgres-alert-store.js";
import { inApplicationTransaction } from "./application-transaction.js";
import { inHeldJobTransaction } from "./held-job-transaction.js";
import { isJobId } from "./job-id.js";
import { PostgresDependencyStore, type FinishedJob } from "./postgres-dependency-store.js";
import { PostgresFlowStore } from "./postgres-flow-store.js";
import { PostgresMaintenanceStore } from "./postgres-maintenance-store.js";
import { PostgresOverviewStore } from "./postgres-overview-store.js";
import { PostgresSagaStore } from "./postgres-saga-store.js";
import { PostgresScheduleStore } from "./postgres-schedule-store.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  enqueue: loadQuery("enqueue_jobs"),
  nextClaimLimitChange: loadQuery("next_claim_limit_change"),
  recordCircuitOutcome: loadQuery("record_circuit_outcome"),
  lockClaimKeys: loadQuery("lock_claim_keys"),
  listCircuitBreakers: loadQuery("list_circuit_breakers"),
  countCircuitBreakers: loadQuery("count_circuit_breakers"),
  renew: loadQuery("renew_leases"),
  complete: loadQuery("complete_jobs"),
  completeInTx: loadQuery("complete_job_in_transaction"),
  fail: loadQuery("fail_jobs"),
  release: loadQuery("release_jobs"),
  appendLog: loadQuery("append_job_log"),
  setProgress: loadQuery("set_job_progress"),
  reap: loadQuery("reap_expired_leases"),
  nextRunAt: loadQuery("next_run_at"),
  getJob: loadQuery("get_job"),
  getByKey: loadQuery("get_job_by_idempotency_key"),
  listJobs: loadQuery("list_jobs"),
  listLogs: loadQuery("list_job_logs"),
  cancel: loadQuery("cancel_job"),
  replay: loadQuery("replay_job"),
  replayDead: loadQuery("replay_dead_jobs"),
  countDead: loadQuery("count_dead_jobs"),
  lockDependencies: loadQuery("lock_dependencies"),
  insertDependencies: loadQuery("insert_job_dependencies"),
  readTime: loadQuery("read_time"),
};

const ts = (ms: number) => new Date(ms);
const iso = (ms: number) => new Date(ms).toISOString();

/** The Store on PostgreSQL (through `pg` or PGlite). All SQL lives in `queries/*.sql`. */
export class PostgresStore implements Store {
  readonly #driver: SqlDriver;
  /** Notifications are per database; the schema keeps two TaskFlow schemas from waking each other. */
  readonly #channel: string;
  readonly #schema: string;
  readonly #claimer: JobClaimer;

  readonly schedules: PostgresScheduleStore;
  readonly maintenance: PostgresMaintenanceStore;
  readonly access: PostgresAccessStore;
  readonly overview: PostgresOverviewStore;
  readonly flow: PostgresFlowStore;
  readonly sagas: PostgresSagaStore;
  readonly dependencies: PostgresDependencyStore;
  readonly alerts: PostgresAlertStore;

  constructor(driver: SqlDriver, schema: string) {
    this.#driver = driver;
    this.#channel = `taskflow_${schema}`;
    this.#schema = schema;
    this.#claimer = new JobClaimer(driver, this.#channel);
    this.schedules = new PostgresScheduleStore(driver, this.#channel);
    this.maintenance = new PostgresMaintenanceStore(driver);
    this.access = new PostgresAccessStore(driver);
    this.overview = new PostgresOverviewStore(driver);
    this.flow = new PostgresFlowStore(driver);
    this.dependencies = new PostgresDependencyStore(driver, this.#channel);
    // A saga's end is rare: its dependents are looked up without the has_dependents shortcut.
    this.sagas = new PostgresSagaStore(driver, this.#channel, (id, now) =>
      this.dependencies.afterFinished([{ id, has_dependents: true }], now),
    );
    this.alerts = new PostgresAlertStore(driver);
  }

  get driver(): SqlDriver {
    return this.#driver;
  }

  async readTime(): Promise<number> {
    const { rows } = await this.#driver.query<{ now_ms: number | string }>(SQL.readTime);
    return Number(rows[0]?.now_ms);
  }

  async enqueue(jobs: NewJob[], now: number, tx?: SqlClient): Promise<EnqueueOutcome[]> {
    if (jobs.length === 0) return [];
    const withDependencies = jobs.some((job) => job.dependsOn.length > 0);
    if (tx === undefined && !withDependencies) return this.#enqueueOn(this.#driver, jobs, now);
    if (tx === undefined)
      return this.#driver.transaction((client) => this.#enqueueWithDependencies(client, jobs, now));
    if (this.#driver.kind === "pglite") {
      throw new InvalidInputError(
        "enqueue with tx needs a PostgreSQL server: the embedded database has no connection of yours to share a transaction with",
        { code: ErrorCode.InvalidOption, details: { option: "tx" } },
      );
    }
    return inApplicationTransaction(tx, this.#schema, (client) =>
      withDependencies
        ? this.#enqueueWithDependencies(client, jobs, now)
        : this.#enqueueOn(client, jobs, now),
    );
  }

  /**
   * Jobs with dependencies, on `client` inside a transaction: the named jobs are checked and
   * locked against deletion, the jobs inserted (`waiting` when they have dependencies), their
   * edges recorded, and those whose dependencies had all finished already resolved — all or
   * nothing. Edges to other items of the batch (a flow) point at the job each item got.
   */
  async #enqueueWithDependencies(client: SqlClient, jobs: NewJob[], now: number): Promise<EnqueueOutcome[]> {
    const named = [
      ...new Set(jobs.flatMap((job) => job.dependsOn.flatMap((d) => (d.jobId === null ? [] : [d.jobId])))),
    ];
    if (named.length > 0) {
      const { rows } = await client.query<{ id: string | number }>(SQL.lockDependencies, [named]);
      const found = new Set(rows.map((row) => String(row.id)));
      const missing = named.filter((id) => !found.has(id));
      if (missing.length > 0) {
        throw new InvalidInputError(
          `dependsOn names ${missing.length === 1 ? "a job" : "jobs"} that do not exist: ${missing.join(", ")}`,
          {
            code: ErrorCode.DependencyNotFound,
            details: { dependencies: missing },
          },
        );
      }
    }
    const outcomes = await this.#enqueueOn(client, jobs, now);
    const edges = jobs.flatMap((job, index) => {
      const outcome = outcomes[index];
      // A job an idempotency key matched keeps the edges it was created with.
      if (outcome === undefined || !outcome.created) return [];
      return job.dependsOn.map((d) => ({
        job_id: outcome.job.id,
        depends_on: d.jobId ?? outcomes[d.index ?? -1]?.job.id,
        on_failure: d.onFailure,
        name: d.name,
      }));
    });
    if (edges.length > 0) await client.query(SQL.insertDependencies, [JSON.stringify(edges)]);
    const waiting = outcomes.filter((o) => o.created && o.job.state === "waiting").map((o) => o.job.id);
    const resolved = new Map(
      (await this.dependencies.resolveEnqueued(client, waiting, now)).map((job) => [job.id, job]),
    );
    return outcomes.map((o) => ({ ...o, job: resolved.get(o.job.id) ?? o.job }));
  }

  async #enqueueOn(client: SqlClient, jobs: NewJob[], now: number): Promise<EnqueueOutcome[]> {
    const items = jobs.map((job, ord) => ({
      ord,
      task: job.task,
      queue: job.queue,
      priority: job.priority,
      run_at: iso(job.runAt),
      max_attempts: job.maxAttempts,
      timeout_ms: job.timeoutMs,
      retry: job.retry,
      tags: job.tags,
      idempotency_key: job.idempotencyKey,
      key_expires_at: job.idempotencyExpiresAt === null ? null : iso(job.idempotencyExpiresAt),
      concurrency_key: job.concurrencyKey,
      rate_limit_key: job.rateLimitKey,
      circuit_key: job.circuitKey,
      state: job.dependsOn.length > 0 ? "waiting" : "queued",
      // Absent (NULL) without a trace: nothing more to send or parse on the untraced path.
      ...(job.traceContext == null ? {} : { trace_context: job.traceContext }),
    }));
    // One row per job, in order: its columns, all null for a keyed job that could not be read.
    const { rows } = await client.query<{ created: boolean } & (JobRow | { [K in keyof JobRow]: null })>(
      SQL.enqueue,
      [
        spliceJson(
          items,
          jobs.map((job) => job.payloadJson),
          "payload",
        ),
        ts(now),
        this.#channel,
      ],
    );
    return Promise.all(
      rows.map(async (row, index) => {
        if (row.id !== null) return { job: toJob(row), created: row.created };
        // A concurrent statement took the key after this one's snapshot, or the job was pruned.
        const key = jobs[index]?.idempotencyKey ?? null;
        const existing = key === null ? null : await this.#jobByKey(client, key, now);
        if (existing === null) throw new Error(`enqueue returned no job for input ${index}`);
        return { job: existing, created: false };
      }),
    );
  }

  async #jobByKey(client: SqlClient, key: string, now: number): Promise<Job | null> {
    const { rows } = await client.query<{ job_id: string; job: JobRow | null }>(SQL.getByKey, [key, ts(now)]);
    const row = rows[0];
    if (row === undefined) return null;
    if (row.job !== null) return toJob(row.job);
    throw new NotFoundError(
      `idempotency key ${JSON.stringify(key)} points to job ${row.job_id}, which was pruned`,
      {
        code: ErrorCode.JobNotFound,
        details: { jobId: String(row.job_id), idempotencyKey: key },
      },
    );
  }

  claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    return this.#claimer.claim(request);
  }

  async nextClaimLimitChange(after: number): Promise<number | null> {
    const { rows } = await this.#driver.query<{ at: Date | string | null }>(SQL.nextClaimLimitChange, [
      ts(after),
    ]);
    const at = rows[0]?.at ?? null;
    return at === null ? null : new Date(at).getTime();
  }

  async recordCircuitOutcome(outcome: CircuitOutcome): Promise<CircuitTransition> {
    const { rows } = await this.#driver.transaction(async (tx) => {
      // The lock every claim of the breaker's jobs holds until it commits: a claim that saw the
      // breaker closed commits (its job visibly running) before this outcome can open it.
      await tx.query(SQL.lockClaimKeys, [[breakerLockKey(outcome.breaker)]]);
      return tx.query<{
        previous_state: CircuitState | null;
        state: CircuitState;
        consecutive_failures: number;
      }>(SQL.recordCircuitOutcome, [
        outcome.breaker,
        outcome.task,
        outcome.succeeded,
        ts(outcome.now),
        outcome.consecutiveFailures,
        outcome.openForMs,
        outcome.error === null ? null : JSON.stringify(outcome.error),
      ]);
    });
    const row = rows[0];
    if (row === undefined)
      throw new Error(`recording an outcome of circuit breaker ${outcome.breaker} returned nothing`);
    return {
      previousState: row.previous_state,
      state: row.state,
      consecutiveFailures: row.consecutive_failures,
    };
  }

  async countCircuitBreakers(): Promise<{ task: string; state: CircuitState; breakers: number }[]> {
    const { rows } = await this.#driver.query<{
      task: string;
      state: CircuitState;
      breakers: string | number;
    }>(SQL.countCircuitBreakers);
    return rows.map((row) => ({ task: row.task, state: row.state, breakers: Number(row.breakers) }));
  }

  async listCircuitBreakers(): Promise<CircuitBreakerState[]> {
    const { rows } = await this.#driver.query<CircuitBreakerRow>(SQL.listCircuitBreakers);
    return rows.map((row) => ({
      breaker: row.breaker,
      task: row.task,
      state: row.state,
      consecutiveFailures: row.consecutive_failures,
      openedAt: row.opened_at === null ? null : new Date(row.opened_at),
      retryAt: row.retry_at === null ? null : new Date(row.retry_at),
      probeJobId: row.probe_job_id === null ? null : String(row.probe_job_id),
      lastError: row.last_error,
      updatedAt: new Date(row.updated_at),
    }));
  }

  async renewLeases(
    workerId: string,
    leases: Lease[],
    now: number,
    leaseMs: number,
  ): Promise<LeaseRenewal[]> {
    if (leases.length === 0) return [];
    const { rows } = await this.#driver.query<{ id: string; cancel_requested: boolean }>(SQL.renew, [
      workerId,
      leases.map((l) => l.id),
      leases.map((l) => l.fence),
      ts(now),
      leaseMs,
    ]);
    return rows.map((row) => ({ id: String(row.id), cancelRequested: row.cancel_requested }));
  }

  async complete(items: Completion[], now: number): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    // Results arrive serialized: splice them in rather than parse and serialize them again.
    const body = items
      .map((i) => `{"id":${Number(i.id)},"fence":${i.fence},"result":${i.resultJson}}`)
      .join(",");
    return this.#finish(SQL.complete, [`[${body}]`, ts(now)], now);
  }

  async fail(items: Failure[], now: number): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const body = items.map((i) => ({
      id: i.id,
      fence: i.fence,
      state: i.state,
      run_at: i.runAt === null ? null : iso(i.runAt),
      error: i.error,
    }));
    return this.#finish(SQL.fail, [JSON.stringify(body), ts(now), this.#channel], now);
  }

  async release(leases: Lease[], now: number): Promise<Set<string>> {
    if (leases.length === 0) return new Set();
    return this.#ids(SQL.release, [
      leases.map((l) => l.id),
      leases.map((l) => l.fence),
      ts(now),
      this.#channel,
    ]);
  }

  /** A finishing write; then the jobs waiting for those that finished are resolved. */
  async #finish(sql: string, params: unknown[], now: number): Promise<Set<string>> {
    const { rows } = await this.#driver.query<FinishedJob & { state?: string }>(sql, params);
    await this.dependencies.afterFinished(
      rows.filter((row) => row.state !== "queued").map((row) => ({ ...row, id: String(row.id) })),
      now,
    );
    return new Set(rows.map((row) => String(row.id)));
  }

  async #ids(sql: string, params: unknown[]): Promise<Set<string>> {
    const { rows } = await this.#driver.query<{ id: string }>(sql, params);
    return new Set(rows.map((row) => String(row.id)));
  }

  async completeInTransaction<T>(lease: Lease, now: number, fn: (tx: SqlClient) => Promise<T>): Promise<T> {
    let finished: FinishedJob[] = [];
    const value = await inHeldJobTransaction(this.#driver, lease, fn, async (tx, result) => {
      const recorded = await tx.query<FinishedJob>(SQL.completeInTx, [
        lease.id,
        lease.fence,
        JSON.stringify(result ?? null),
        ts(now),
      ]);
      finished = recorded.rows.map((row) => ({ ...row, id: String(row.id) }));
      return recorded;
    });
    await this.dependencies.afterFinished(finished, now);
    return value;
  }

  async appendLog(lease: Lease, entry: JobLogEntry, now: number): Promise<boolean> {
    const { rows } = await this.#driver.query(SQL.appendLog, [
      lease.id,
      lease.fence,
      ts(now),
      entry.level,
      entry.message,
      entry.dataJson,
    ]);
    return rows.length > 0;
  }

  async setProgress(lease: Lease, progressJson: string, now: number): Promise<boolean> {
    const { rows } = await this.#driver.query(SQL.setProgress, [
      lease.id,
      lease.fence,
      progressJson,
      ts(now),
    ]);
    return rows.length > 0;
  }

  async reapExpiredLeases(now: number, limit: number): Promise<ReapedJob[]> {
    const { rows } = await this.#driver.query<
      Omit<ReapedJob, "id" | "compensationBegan"> & {
        id: string | number;
        has_dependents: boolean;
        compensation_began: boolean;
      }
    >(SQL.reap, [ts(now), limit, this.#channel]);
    await this.dependencies.afterFinished(
      rows
        .filter((row) => FINISHED_STATES.includes(row.state))
        .map((row) => ({ id: String(row.id), has_dependents: row.has_dependents })),
      now,
    );
    return rows.map((row) => ({
      id: String(row.id),
      task: row.task,
      queue: row.queue,
      state: row.state,
      compensationBegan: row.compensation_began,
    }));
  }

  async nextRunAt(tasks: string[], queues: string[] | null, after: number): Promise<number | null> {
    if (tasks.length === 0) return null;
    const { rows } = await this.#driver.query<{ run_at: Date | string }>(SQL.nextRunAt, [
      tasks,
      queues,
      ts(after),
    ]);
    const runAt = rows[0]?.run_at;
    return runAt === undefined ? null : new Date(runAt).getTime();
  }

  async getJob(id: string): Promise<Job | null> {
    if (!isJobId(id)) return null;
    const { rows } = await this.#driver.query<JobRow>(SQL.getJob, [id]);
    return rows[0] === undefined ? null : toJob(rows[0]);
  }

  async getJobAttempts(id: string): Promise<JobAttempt[] | null> {
    if (!isJobId(id)) return null;
    const { rows } = await this.#driver.query<JobRow & { errors: FailedAttemptRecord[] }>(SQL.getJob, [id]);
    const row = rows[0];
    return row === undefined ? null : jobAttempts(toJob(row), row.errors);
  }

  async listJobs(filter: JobFilter): Promise<Job[]> {
    if (filter.before !== undefined && !isJobId(filter.before)) return [];
    const { rows } = await this.#driver.query<JobRow>(SQL.listJobs, [
      filter.state ?? null,
      filter.task ?? null,
      filter.queue ?? null,
      filter.limit ?? 100,
      filter.scheduleId ?? null,
      filter.tags === undefined || filter.tags.length === 0 ? null : filter.tags,
      filter.createdFrom ?? null,
      filter.createdTo ?? null,
      filter.before ?? null,
    ]);
    return rows.map(toJob);
  }

  async listJobLogs(id: string): Promise<StoredJobLog[]> {
    if (!isJobId(id)) return [];
    const { rows } = await this.#driver.query<StoredJobLog & { at: Date | string }>(SQL.listLogs, [id]);
    return rows.map((row) => ({ ...row, at: new Date(row.at) }));
  }

  async cancel(id: string, now: number): Promise<Job> {
    const job = await this.#changeJob(
      id,
      SQL.cancel,
      [ts(now), this.#channel],
      "cancelled",
      "waiting, queued or running",
    );
    if (job.state === "cancelled")
      await this.dependencies.afterFinished([{ id: job.id, has_dependents: true }], now);
    return job;
  }

  async replay(id: string, now: number): Promise<Job> {
    return this.#changeJob(id, SQL.replay, [ts(now), this.#channel], "replayed", "dead or cancelled");
  }

  async #changeJob(id: string, sql: string, params: unknown[], verb: string, allowed: string): Promise<Job> {
    const rows = isJobId(id) ? (await this.#driver.query<JobRow>(sql, [id, ...params])).rows : [];
    if (rows[0] !== undefined) return toJob(rows[0]);
    const job = await this.getJob(id);
    if (job === null)
      throw new NotFoundError(`no job with id ${JSON.stringify(id)}`, {
        code: ErrorCode.JobNotFound,
        details: { jobId: id },
      });
    throw new InvalidStateError(`job ${id} is ${job.state}; only a job that is ${allowed} can be ${verb}`, {
      code: ErrorCode.InvalidJobState,
      details: { jobId: id, state: job.state },
    });
  }

  async replayDead(filter: DeadJobFilter, now: number): Promise<number> {
    const { rows } = await this.#driver.query<{ replayed: string | number }>(SQL.replayDead, [
      filter.task ?? null,
      filter.queue ?? null,
      deadTags(filter),
      ts(now),
      this.#channel,
    ]);
    return Number(rows[0]?.replayed ?? 0);
  }

  async countDead(filter: DeadJobFilter): Promise<number> {
    const { rows } = await this.#driver.query<{ dead: string | number }>(SQL.countDead, [
      filter.task ?? null,
      filter.queue ?? null,
      deadTags(filter),
    ]);
    return Number(rows[0]?.dead ?? 0);
  }

  async subscribe(listener: (hint: WakeHint) => void): Promise<() => Promise<void>> {
    return this.#driver.listen(
      this.#channel,
      (payload) => listener(parseHint(payload)),
      () => listener({ kind: "reconnected" }),
    );
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}

interface CircuitBreakerRow {
  breaker: string;
  task: string;
  state: CircuitState;
  consecutive_failures: number;
  opened_at: Date | string | null;
  retry_at: Date | string | null;
  probe_job_id: string | number | null;
  last_error: JobError | null;
  updated_at: Date | string;
}

/** JSON of `objects` with each one's `key` set to the matching already-serialized JSON text. */
function spliceJson(objects: object[], serialized: string[], key: string): string {
  return `[${objects.map((o, i) => `${JSON.stringify(o).slice(0, -1)},"${key}":${serialized[i] ?? "null"}}`).join(",")}]`;
}

function parseHint(payload: string): WakeHint {
  if (payload.startsWith("cancel:")) return { kind: "cancel", jobId: payload.slice("cancel:".length) };
  const runAt = Number(payload.slice("jobs:".length));
  return { kind: "jobs", runAt: payload.length > "jobs:".length && Number.isFinite(runAt) ? runAt : null };
}

/** The tags a dead job must all carry, or null for any. */
function deadTags(filter: DeadJobFilter): string[] | null {
  const tags = [...(filter.tags ?? []), ...(filter.tag === undefined ? [] : [filter.tag])];
  return tags.length === 0 ? null : tags;
}
