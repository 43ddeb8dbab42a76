import type { ClaimedJob } from "../../domain/job.js";
import type { ClaimRequest, TaskClaim } from "../store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { toClaimedJob, toLeasedJob, type JobRow, type LeasedJobRow } from "./job-rows.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  unlimited: loadQuery("claim_jobs"),
  candidates: loadQuery("claim_limited_candidates"),
  lockKeys: loadQuery("lock_claim_keys"),
  limited: loadQuery("claim_limited_jobs"),
  compensations: loadQuery("claim_compensations"),
};

/**
 * The advisory lock key (lock_claim_keys.sql) of a circuit breaker: held by every limited claim
 * of its jobs until commit, and taken by an outcome recorded against it.
 */
export const breakerLockKey = (breaker: string): string => `b:${breaker}`;

/** Rounds of the limited claim per call: each one fills keys the previous left room in. */
const LIMITED_ROUNDS = 4;

/**
 * Claims jobs on two paths. The unlimited path (one statement) takes jobs without a concurrency
 * key of tasks without a rate limit or circuit breaker: the hot path, unchanged by limits. The limited path takes
 * the rest in one short transaction of three statements:
 *
 *   1. lock candidate jobs (SKIP LOCKED), passing over keys and buckets full by its snapshot;
 *   2. lock the candidates' keys and buckets (advisory, in lock-id order), waiting for any other
 *      node's claim holding one to commit;
 *   3. with a snapshot taken after those locks, so every earlier claim of those keys is seen,
 *      lease what the keys and buckets still have room for.
 *
 * Every claim that could start a keyed or rate-limited job holds the key's lock from counting to
 * commit, so no two claims can both count the same free place: the limits hold cluster-wide.
 * Jobs leave `running` without the lock (completing only frees room), which can only make a
 * count too high for a moment, never too low.
 */
export class JobClaimer {
  /** The unlimited path saw keyed jobs due: the next claim tries the limited path first. */
  #keyedDue = false;

  constructor(
    private readonly driver: SqlDriver,
    private readonly channel: string,
  ) {}

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    if (request.tasks.length === 0 || request.limit <= 0) return [];
    const unlimitedTasks = request.tasks.filter(
      (t) => (t.rateLimit ?? null) === null && t.circuitBreaker !== true,
    );
    const limitedFirst = this.#keyedDue || unlimitedTasks.length < request.tasks.length;
    const sagas = request.tasks.filter((t) => t.saga === true);
    const jobs: ClaimedJob[] = sagas.length > 0 ? await this.#claimCompensations(request, sagas) : [];
    if (limitedFirst && jobs.length < request.limit)
      jobs.push(...(await this.#claimLimited(request, request.limit - jobs.length)));
    let room = request.limit - jobs.length;
    if (unlimitedTasks.length > 0 && room > 0) {
      jobs.push(...(await this.#claimUnlimited(request, unlimitedTasks, room)));
      room = request.limit - jobs.length;
      if (!limitedFirst && this.#keyedDue && room > 0)
        jobs.push(...(await this.#claimLimited(request, room)));
    }
    return jobs.sort((a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime());
  }

  /**
   * Sagas waiting to be compensated, first: undoing a failed saga comes before new work. Only
   * claims that name a saga task pay for this statement.
   */
  async #claimCompensations(request: ClaimRequest, sagas: TaskClaim[]): Promise<ClaimedJob[]> {
    const { rows } = await this.driver.query<JobRow>(SQL.compensations, [
      request.workerId,
      new Date(request.now),
      request.leaseMs,
      sagas.map((t) => t.task),
      sagas.map((t) => Math.min(t.limit, request.limit)),
      request.limit,
      request.queues,
    ]);
    return rows.map(toClaimedJob);
  }

  async #claimUnlimited(request: ClaimRequest, tasks: TaskClaim[], limit: number): Promise<ClaimedJob[]> {
    const { rows } = await this.driver.queryWithCachedPlan<Partial<LeasedJobRow> & { keyed_due: boolean }>(
      SQL.unlimited,
      [
        request.workerId,
        new Date(request.now),
        request.leaseMs,
        tasks.map((t) => t.task),
        tasks.map((t) => Math.min(t.limit, limit)),
        tasks.map((t) => t.maxAttempts),
        tasks.map((t) => t.timeoutMs),
        request.queues,
        limit,
        this.channel,
        new Date(Math.max(request.now, request.dueBy ?? request.now)),
      ],
    );
    this.#keyedDue = rows[0]?.keyed_due === true;
    const lease = { owner: request.workerId, at: request.now, leaseMs: request.leaseMs };
    return rows
      .filter((row) => row.id !== null && row.id !== undefined)
      .map((row) => toLeasedJob(row as LeasedJobRow, lease));
  }

  async #claimLimited(request: ClaimRequest, limit: number): Promise<ClaimedJob[]> {
    const claimed: ClaimedJob[] = [];
    for (let round = 0; round < LIMITED_ROUNDS && claimed.length < limit; round++) {
      const { jobs, candidates } = await this.#claimLimitedRound(request, limit - claimed.length);
      claimed.push(...jobs);
      if (round === 0 && candidates === 0) this.#keyedDue = false;
      // Candidates held back by a key filled this round; another round finds others behind them.
      if (jobs.length === 0 || jobs.length === candidates) break;
    }
    return claimed;
  }

  #claimLimitedRound(
    request: ClaimRequest,
    limit: number,
  ): Promise<{ jobs: ClaimedJob[]; candidates: number }> {
    const { tasks } = request;
    return this.driver.transaction(async (tx) => {
      const { rows: candidates } = await tx.query<{
        id: string;
        concurrency_key: string | null;
        bucket: string | null;
        breaker: string | null;
      }>(SQL.candidates, [
        new Date(request.now),
        tasks.map((t) => t.task),
        tasks.map((t) => Math.min(t.limit, limit)),
        tasks.map((t) => t.concurrencyKeyLimit ?? 1),
        tasks.map((t) => t.rateLimit?.max ?? null),
        request.queues,
        limit,
        tasks.map((t) => t.circuitBreaker === true),
        request.leaseMs,
      ]);
      if (candidates.length === 0) return { jobs: [], candidates: 0 };
      const keys = candidates.flatMap((c) => [
        ...(c.concurrency_key === null ? [] : [`c:${c.concurrency_key}`]),
        ...(c.bucket === null ? [] : [`r:${c.bucket}`]),
        ...(c.breaker === null ? [] : [breakerLockKey(c.breaker)]),
      ]);
      await tx.query(SQL.lockKeys, [keys]);
      const { rows } = await tx.query<JobRow>(SQL.limited, [
        request.workerId,
        new Date(request.now),
        request.leaseMs,
        candidates.map((c) => c.id),
        tasks.map((t) => t.task),
        tasks.map((t) => t.concurrencyKeyLimit ?? 1),
        tasks.map((t) => t.rateLimit?.max ?? null),
        tasks.map((t) => t.rateLimit?.perMs ?? null),
        tasks.map((t) => t.maxAttempts),
        tasks.map((t) => t.timeoutMs),
        this.channel,
        tasks.map((t) => t.circuitBreaker === true),
      ]);
      return { jobs: rows.map(toClaimedJob), candidates: candidates.length };
    });
  }
}
