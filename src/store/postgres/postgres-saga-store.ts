import type { JobError, Lease } from "../../domain/job.js";
import type { CompensationFailure, SagaStore } from "../saga-store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  mark: loadQuery("mark_saga"),
  begin: loadQuery("begin_compensation"),
  finish: loadQuery("finish_compensation"),
  fail: loadQuery("fail_compensation"),
};

const ts = (ms: number) => new Date(ms);

/** The SagaStore on PostgreSQL (through `pg` or PGlite). */
export class PostgresSagaStore implements SagaStore {
  constructor(
    private readonly driver: SqlDriver,
    private readonly channel: string,
    /** Resolves the jobs waiting for a saga that ended (compensated, compensation_failed). */
    private readonly afterFinished: (jobId: string, now: number) => Promise<void> = () => Promise.resolve(),
  ) {}

  async markSaga(lease: Lease, compensationMaxAttempts: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.mark, [lease.id, lease.fence, compensationMaxAttempts]);
    return rows.length > 0;
  }

  async beginCompensation(lease: Lease, error: JobError, now: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.begin, [
      lease.id,
      lease.fence,
      JSON.stringify(error),
      ts(now),
      this.channel,
    ]);
    return rows.length > 0;
  }

  async finishCompensation(lease: Lease, now: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.finish, [lease.id, lease.fence, ts(now)]);
    if (rows.length > 0) await this.afterFinished(lease.id, now);
    return rows.length > 0;
  }

  async failCompensation(failure: CompensationFailure, now: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.fail, [
      failure.id,
      failure.fence,
      failure.state,
      failure.runAt === null ? null : ts(failure.runAt),
      JSON.stringify(failure.error),
      ts(now),
      this.channel,
    ]);
    if (rows.length > 0 && failure.state === "compensation_failed") await this.afterFinished(failure.id, now);
    return rows.length > 0;
  }
}
