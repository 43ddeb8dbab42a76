import type { DependencyLink, JobDependencies, OnDependencyFailure } from "../../domain/dependencies.js";
import type { JobState } from "../../domain/job-state.js";
import type { SqlClient } from "../../domain/task.js";
import type { DependencyStore } from "../dependency-store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { isJobId } from "./job-id.js";
import { toJob, type JobRow } from "./job-rows.js";
import type { Job } from "../../domain/job.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  resolve: loadQuery("resolve_waiting_jobs"),
  list: loadQuery("list_job_dependencies"),
  getJob: loadQuery("get_job"),
};

/** How many waiting jobs one resolve statement takes. */
const RESOLVE_BATCH = 500;

/** A finished job's id, and whether any job was enqueued waiting for it. */
export interface FinishedJob {
  id: string;
  has_dependents?: boolean;
}

/**
 * Resolving waiting jobs (see resolve_waiting_jobs.sql).
 *
 * Crash safety — which of the two ways, and why: the resolution runs right after each finishing
 * write (completion batches, failures, cancel, the reaper, a transactional completion), as its
 * own statement, and a leased maintenance sweep (`resolveReady`) finds every waiting job whose
 * dependencies have all finished. The sweep is the guarantee: a crash between a finishing write
 * and its resolution delays the dependents by one sweep period, never strands them. Folding the
 * resolution into every finishing statement instead would put a cascading multi-level update into
 * the hot completion path of every job (and into saga and reaper queries); here a job nothing
 * depends on pays nothing, since the finishing statement returns `has_dependents` and the
 * follow-up statement runs only when it is true.
 */
export class PostgresDependencyStore implements DependencyStore {
  #listeners: ((jobs: Job[]) => void)[] = [];

  constructor(
    private readonly driver: SqlDriver,
    private readonly channel: string,
  ) {}

  onJobsEnded(listener: (jobs: Job[]) => void): void {
    this.#listeners.push(listener);
  }

  async resolveReady(now: number, limit: number): Promise<number> {
    const first = await this.#resolve(this.driver, { finished: null, jobs: null }, now, limit);
    const cascaded = await this.#cascade(this.driver, first, now);
    return first.length + cascaded.length;
  }

  /**
   * Resolves the waiting dependents of jobs that just finished, then theirs. Errors are swallowed:
   * the finishing write has committed, and the sweep resolves what this could not.
   */
  async afterFinished(finished: FinishedJob[], now: number): Promise<void> {
    const ids = finished.filter((job) => job.has_dependents === true).map((job) => job.id);
    if (ids.length === 0) return;
    try {
      await this.#cascadeFrom(this.driver, ids, now);
    } catch {
      // the maintenance sweep resolves them
    }
  }

  /**
   * Resolves newly enqueued waiting jobs whose dependencies had already finished, and what that
   * ends in turn; on `client` (the enqueue's transaction). Returns the jobs changed.
   */
  async resolveEnqueued(client: SqlClient, jobIds: string[], now: number): Promise<Job[]> {
    if (jobIds.length === 0) return [];
    const first = await this.#resolve(client, { finished: null, jobs: jobIds }, now, jobIds.length);
    return [...first, ...(await this.#cascade(client, first, now))];
  }

  async #cascadeFrom(client: SqlClient, finishedIds: string[], now: number): Promise<Job[]> {
    const changed: Job[] = [];
    let frontier = finishedIds;
    while (frontier.length > 0) {
      const resolved: Job[] = [];
      for (;;) {
        const batch = await this.#resolve(client, { finished: frontier, jobs: null }, now, RESOLVE_BATCH);
        resolved.push(...batch);
        if (batch.length < RESOLVE_BATCH) break;
      }
      changed.push(...resolved);
      frontier = resolved.filter((job) => job.state !== "queued").map((job) => job.id);
    }
    return changed;
  }

  /** The dependents of the jobs `resolved` ended (dead, skipped), and so on down. */
  #cascade(client: SqlClient, resolved: Job[], now: number): Promise<Job[]> {
    const ended = resolved.filter((job) => job.state !== "queued").map((job) => job.id);
    return ended.length === 0 ? Promise.resolve([]) : this.#cascadeFrom(client, ended, now);
  }

  async #resolve(
    client: SqlClient,
    scope: { finished: string[] | null; jobs: string[] | null },
    now: number,
    limit: number,
  ): Promise<Job[]> {
    const { rows } = await client.query<{ job: JobRow }>(SQL.resolve, [
      scope.finished,
      scope.jobs,
      new Date(now),
      limit,
      this.channel,
    ]);
    const jobs = rows.map((row) => toJob(row.job));
    // On the driver each statement commits on its own: what it ended is told at once. In an
    // enqueue's transaction it may still roll back: the enqueuer tells it with its outcome.
    const ended = jobs.filter((job) => job.state === "dead" || job.state === "skipped");
    if (client === this.driver && ended.length > 0) for (const listener of this.#listeners) listener(ended);
    return jobs;
  }

  async listDependencies(jobId: string): Promise<JobDependencies | null> {
    if (!isJobId(jobId)) return null;
    const { rows } = await this.driver.query<DependencyRow>(SQL.list, [jobId]);
    if (rows.length === 0) {
      const job = await this.driver.query(SQL.getJob, [jobId]);
      if (job.rows.length === 0) return null;
    }
    const links = (direction: DependencyRow["direction"]) =>
      rows.filter((row) => row.direction === direction).map(toLink);
    return { dependencies: links("dependency"), dependents: links("dependent") };
  }
}

interface DependencyRow {
  direction: "dependency" | "dependent";
  job_id: string | number;
  name: string | null;
  on_failure: OnDependencyFailure;
  task: string;
  state: JobState;
  result: unknown;
  finished_at: Date | string | null;
}

function toLink(row: DependencyRow): DependencyLink {
  return {
    jobId: String(row.job_id),
    name: row.name,
    onFailure: row.on_failure,
    task: row.task,
    state: row.state,
    result: row.result ?? null,
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}
