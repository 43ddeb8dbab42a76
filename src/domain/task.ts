import type { DependencyResults } from "./dependencies.js";
import type { Duration } from "./duration.js";
import type { ClaimedJob } from "./job.js";
import type { RetryPolicy } from "./retry-policy.js";

/** The minimal SQL client a handler gets inside `ctx.transaction` (pg and PGlite both fit). */
export interface SqlClient {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

/** Its functions are bound: `const { info } = ctx.log` works. */
export interface JobLogger {
  readonly info: (message: string, data?: Record<string, unknown>) => Promise<void>;
  readonly warn: (message: string, data?: Record<string, unknown>) => Promise<void>;
  readonly error: (message: string, data?: Record<string, unknown>) => Promise<void>;
}

/** What a step's function is told about the step. */
export interface StepInfo {
  readonly name: string;
  /**
   * `<ctx.idempotencyKey>:<step name>`: the same in every attempt of the job. Pass it to the
   * service the step calls (as its idempotency key) so a step re-run after a crash between its
   * effect and its record is deduplicated there.
   */
  readonly key: string;
}

/** What a handler receives for one attempt. */
/** A handler's context. Its functions are bound to the attempt: `run: async ({ payload, step }) => …` works. */
export interface TaskContext<Payload> {
  readonly job: ClaimedJob;
  readonly payload: Payload;
  /** 1-based attempt number within the current budget. */
  readonly attempt: number;
  /**
   * The same in every attempt of this job: `<scheduleId>@<fireAt ISO>` for a scheduled
   * occurrence (so it names the occurrence, not the row), else `job:<id>`.
   */
  readonly idempotencyKey: string;
  /** Fires on timeout, cancellation, lost lease or shutdown; `signal.reason` says which. */
  readonly signal: AbortSignal;
  /** Stored with the job (fenced: refused once this worker no longer holds the job). */
  readonly log: JobLogger;
  /** Records progress on the job (any JSON value). Returns false if the lease was lost. */
  readonly progress: (value: unknown) => Promise<boolean>;
  /**
   * Runs `fn` in a database transaction that also completes the job: the business writes made
   * through `tx` and the job's success commit together or not at all. Throws `LeaseLostError`
   * (and rolls back) if this worker no longer holds the job. Use only `tx` inside `fn`.
   */
  readonly transaction: <T>(fn: (tx: SqlClient) => Promise<T>) => Promise<T>;
  /**
   * A durable step. The first time a job reaches it, `fn` runs and its result (JSON) is recorded,
   * fenced by this attempt; in every later attempt `step` returns the recorded result without
   * running `fn`. A name may be used once per run (a second use fails the job: DUPLICATE_STEP).
   * A crash after `fn`'s effect and before its record runs `fn` again: use `info.key` to make the
   * effect idempotent, or `transactionalStep` for database writes.
   */
  readonly step: <T>(name: string, fn: (info: StepInfo) => Promise<T> | T) => Promise<T>;
  /**
   * A durable step whose database writes through `tx` commit together with its record: it takes
   * effect exactly once, however often the worker dies. Throws `LeaseLostError` (rolled back) if
   * this worker no longer holds the job.
   */
  readonly transactionalStep: <T>(
    name: string,
    fn: (tx: SqlClient, info: StepInfo) => Promise<T>,
  ) => Promise<T>;
  /**
   * The jobs this one waited for (`dependsOn`, or the flow's edges), each with its final state and
   * result, keyed by flow name (when it has one) and by job id:
   * `(await ctx.dependencies()).extract.result`. Empty for a job without dependencies.
   */
  readonly dependencies: () => Promise<DependencyResults>;
}

export interface TaskDefinition<Payload = unknown, Result = unknown> {
  run(ctx: TaskContext<Payload>): Promise<Result> | Result;
  /** Per-attempt time limit; the handler's signal fires when it is reached. @defaultValue none */
  timeout?: Duration;
  /** @defaultValue exponential, base 1s, factor 2, cap 1h, full jitter */
  retry?: RetryPolicy;
  /** @defaultValue 3 */
  maxAttempts?: number;
  /** Most attempts of this task running at once on this node. @defaultValue the node's concurrency */
  concurrency?: number;
  /**
   * Names a job's concurrency key from its payload, e.g. `(p) => \`tenant:${p.tenantId}\``:
   * jobs sharing a key run at most `concurrencyKeyLimit` at once across the cluster, checked at
   * claim. Applied when the job is enqueued by a process that registered this task (an enqueue
   * option `concurrencyKey` wins); null or undefined: no key. @defaultValue none
   */
  concurrencyKey?: (payload: Payload) => string | null | undefined;
  /** How many jobs sharing one concurrency key may run at once, cluster-wide. @defaultValue 1 */
  concurrencyKeyLimit?: number;
  /** At most `max` attempts start per sliding `per` window across the cluster. @defaultValue none */
  rateLimit?: RateLimit<Payload>;
  /**
   * Stops starting the task's jobs (they wait, queued) after `consecutiveFailures` failed
   * attempts in a row, for `openFor`; then lets one probe through, whose success resumes them.
   * Shared by all nodes. @defaultValue none
   */
  circuitBreaker?: CircuitBreakerOptions<Payload>;
}

export interface CircuitBreakerOptions<Payload = unknown> {
  /** Failed attempts in a row that open the breaker. @defaultValue 5 */
  consecutiveFailures?: number;
  /** How long an open breaker holds jobs before it lets one probe through. @defaultValue "30s" */
  openFor?: Duration;
  /**
   * A breaker per key (e.g. the downstream host) instead of one for the task; applied at enqueue
   * like `concurrencyKey` (an enqueue option `circuitKey` wins). @defaultValue one for the task
   */
  key?: (payload: Payload) => string | null | undefined;
}

export interface RateLimit<Payload = unknown> {
  /** Attempts that may start within any window of length `per`. */
  max: number;
  per: Duration;
  /**
   * Counts a job in its own bucket instead of the task's (e.g. the downstream host it calls);
   * applied at enqueue like `concurrencyKey` (an enqueue option `rateLimitKey` wins).
   * @defaultValue one bucket for the whole task
   */
  key?: (payload: Payload) => string | null | undefined;
}

/** A registered task: pass it to `enqueue` for a typed payload. */
export interface TaskRef<Payload = unknown> {
  readonly name: string;
  /** Carries the payload type only; never set. */
  readonly __payload?: Payload;
}
