import type { Logger } from "pino";
import { serializePayload } from "../domain/enqueue-options.js";
import { LeaseLostError } from "../domain/errors.js";
import type { ClaimedJob, Lease } from "../domain/job.js";
import type { JobLogger, SqlClient, StepInfo, TaskContext } from "../domain/task.js";
import { DurableSteps, jobIdempotencyKey } from "../flow/durable-steps.js";
import type { DependencyResults } from "../domain/dependencies.js";
import { dependencyResults } from "../flow/job-flow.js";
import type { MetricsSink } from "../observability/metrics-sink.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import type { AttemptAbort } from "./attempt-abort.js";

type Bound<K extends keyof TaskContext<never>> = TaskContext<never>[K];

/**
 * The `ctx` a handler gets. Most attempts of a short job use little of it, so every part is made
 * when the handler first reads it: the functions (bound to the attempt, so a handler may
 * destructure `{ step, log }`), the logger, the steps, the idempotency key. A context made in
 * full was one of the costliest parts of a fast attempt.
 */
export class AttemptContext implements TaskContext<never> {
  readonly payload: never;
  readonly attempt: number;
  #committed = false;
  #idempotencyKey: string | null = null;
  #steps: DurableSteps | null = null;
  #childLogger: Logger | null = null;
  #log: JobLogger | null = null;
  #progress: Bound<"progress"> | null = null;
  #transaction: Bound<"transaction"> | null = null;
  #step: Bound<"step"> | null = null;
  #transactionalStep: Bound<"transactionalStep"> | null = null;
  #dependencies: Bound<"dependencies"> | null = null;

  readonly #lease: Lease;
  readonly #abort: AttemptAbort;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: MetricsSink;
  /** The attempt span's ids, added to every line the handler logs; null when nothing is traced. */
  readonly #traceFields: { traceId: string; spanId: string } | null;

  // Collaborators are kept in private fields: a handler sees only what TaskContext offers.
  constructor(
    readonly job: ClaimedJob,
    lease: Lease,
    abort: AttemptAbort,
    store: Store,
    clock: Clock,
    logger: Logger,
    metrics: MetricsSink,
    traceFields: { traceId: string; spanId: string } | null,
  ) {
    this.payload = job.payload as never;
    this.attempt = job.attempt;
    this.#lease = lease;
    this.#abort = abort;
    this.#store = store;
    this.#clock = clock;
    this.#logger = logger;
    this.#metrics = metrics;
    this.#traceFields = traceFields;
  }

  get idempotencyKey(): string {
    return (this.#idempotencyKey ??= jobIdempotencyKey(this.job));
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** `transaction` committed the job's success with the handler's writes. */
  get committed(): boolean {
    return this.#committed;
  }

  get log(): JobLogger {
    if (this.#log === null) {
      const write = (level: "info" | "warn" | "error") => (message: string, data?: Record<string, unknown>) =>
        this.#writeLog(level, message, data);
      this.#log = { info: write("info"), warn: write("warn"), error: write("error") };
    }
    return this.#log;
  }

  get progress(): Bound<"progress"> {
    return (this.#progress ??= async (value: unknown) => {
      const written = await this.#store.setProgress(
        this.#lease,
        serializePayload(value, "progress"),
        this.#clock.now(),
      );
      if (!written) this.#metrics.staleWriteRejected("progress");
      return written;
    });
  }

  get transaction(): Bound<"transaction"> {
    return (this.#transaction ??= async (fn) => {
      try {
        const value = await this.#store.completeInTransaction(this.#lease, this.#clock.now(), fn);
        this.#committed = true;
        return value;
      } catch (error) {
        if (error instanceof LeaseLostError && error.details.jobId === this.job.id)
          this.#metrics.staleWriteRejected("transaction");
        throw error;
      }
    });
  }

  get step(): Bound<"step"> {
    return (this.#step ??= <T>(name: string, fn: (info: StepInfo) => Promise<T> | T) =>
      this.#durableSteps().run(name, fn));
  }

  get transactionalStep(): Bound<"transactionalStep"> {
    return (this.#transactionalStep ??= <T>(
      name: string,
      fn: (tx: SqlClient, info: StepInfo) => Promise<T>,
    ) => this.#durableSteps().runInTransaction(name, fn));
  }

  get dependencies(): Bound<"dependencies"> {
    return (this.#dependencies ??= (): Promise<DependencyResults> =>
      dependencyResults(this.#store, this.job.id));
  }

  #durableSteps(): DurableSteps {
    return (this.#steps ??= new DurableSteps(
      this.#store.flow,
      this.#clock,
      this.#lease,
      this.idempotencyKey,
    ));
  }

  /** The attempt's pino logger, a child made on the first line the handler logs. */
  #attemptLogger(): Logger {
    const { job } = this;
    return (this.#childLogger ??= this.#logger.child({
      jobId: job.id,
      task: job.task,
      attempt: job.attempt,
      ...this.#traceFields,
    }));
  }

  async #writeLog(
    level: "info" | "warn" | "error",
    message: string,
    data?: Record<string, unknown>,
  ): Promise<void> {
    this.#attemptLogger()[level](data ?? {}, message);
    // A stored line carries the attempt's trace and span ids in its data, as its pino line does.
    const stored = this.#traceFields === null ? data : { ...data, ...this.#traceFields };
    const dataJson = stored === undefined ? null : serializePayload(stored, "log data");
    const entry = { level, message: message.replaceAll("\0", "\\0"), dataJson };
    if (!(await this.#store.appendLog(this.#lease, entry, this.#clock.now())))
      this.#metrics.staleWriteRejected("log");
  }
}
