import { context } from "@opentelemetry/api";
import type { Logger } from "pino";
import { serializePayload } from "../domain/enqueue-options.js";
import {
  JobCancelledError,
  JobTimeoutError,
  LeaseLostError,
  PermanentError,
  WorkerShutdownError,
} from "../domain/errors.js";
import type { ClaimedJob, Lease } from "../domain/job.js";
import type { JobLogger, TaskContext } from "../domain/task.js";
import { DurableSteps, jobIdempotencyKey } from "../flow/durable-steps.js";
import { dependencyResults } from "../flow/job-flow.js";
import { NO_METRICS, type MetricsSink } from "../observability/metrics-sink.js";
import {
  NO_TRACING,
  type AttemptSpan,
  type AttemptSpanOutcome,
  type JobTracing,
} from "../observability/job-tracing.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import type { RegisteredSaga } from "../flow/saga.js";
import { AttemptAbort } from "./attempt-abort.js";
import type { RegisteredTask } from "./task-registry.js";

export type AttemptOutcome =
  | { kind: "succeeded"; resultJson: string }
  | { kind: "failed"; error: unknown }
  /** `ctx.transaction` already committed the job's success with the handler's writes. */
  | { kind: "committed" }
  /** Another worker holds the job now; nothing may be written. */
  | { kind: "lease-lost" }
  /** The node is shutting down; the pool releases the job. */
  | { kind: "released" };

export interface RunningAttempt {
  job: ClaimedJob;
  abort: AttemptAbort;
  outcome: Promise<AttemptOutcome>;
  /** The attempt span's ids for log lines about this attempt; null when nothing is traced. */
  traceFields: AttemptSpan["logFields"];
}

/**
 * Runs one attempt of a job. The handler's AbortSignal fires on timeout, cancellation, a lost
 * lease or shutdown; the attempt ends at that moment whether or not the handler honours it
 * (a handler that ignores its signal keeps running, but whatever it writes afterwards is fenced).
 */
export function runAttempt(
  job: ClaimedJob,
  task: RegisteredTask,
  store: Store,
  clock: Clock,
  logger: Logger,
  metrics: MetricsSink = NO_METRICS,
  tracing: JobTracing = NO_TRACING,
): RunningAttempt {
  const startedAt = clock.now();
  const span = tracing.startAttempt(job);
  // Fire lateness is the first claim's only (a release or a replay starts a later attempt 1).
  const fireLateness = job.fireAt !== null && job.fence === 1 ? startedAt - job.fireAt.getTime() : null;
  metrics.attemptStarted(job, startedAt - job.runAt.getTime(), fireLateness);
  const abort = new AttemptAbort();
  const lease: Lease = { id: job.id, fence: job.fence };
  // Made on the first line the handler logs: most attempts never log, and a child logger is
  // among the costliest things an attempt would otherwise make.
  let log: Logger | null = null;
  const attemptLog = () =>
    (log ??= logger.child({ jobId: job.id, task: job.task, attempt: job.attempt, ...span.logFields }));
  let committed = false;
  const idempotencyKey = jobIdempotencyKey(job);
  const steps = new DurableSteps(store.flow, clock, lease, idempotencyKey);

  const ctx: TaskContext<never> = {
    job,
    payload: job.payload as never,
    attempt: job.attempt,
    idempotencyKey,
    get signal() {
      return abort.signal;
    },
    log: jobLogger(store, clock, lease, attemptLog, metrics, span.logFields),
    progress: async (value) => {
      const written = await store.setProgress(lease, serializePayload(value, "progress"), clock.now());
      if (!written) metrics.staleWriteRejected("progress");
      return written;
    },
    transaction: async (fn) => {
      try {
        const value = await store.completeInTransaction(lease, clock.now(), fn);
        committed = true;
        return value;
      } catch (error) {
        if (error instanceof LeaseLostError && error.details.jobId === job.id)
          metrics.staleWriteRejected("transaction");
        throw error;
      }
    },
    step: (name, fn) => steps.run(name, fn),
    transactionalStep: (name, fn) => steps.runInTransaction(name, fn),
    dependencies: () => dependencyResults(store, job.id),
  };

  const timer =
    job.timeoutMs === null
      ? null
      : clock.setTimer(clock.now() + job.timeoutMs, () =>
          abort.abort(new JobTimeoutError(job.timeoutMs ?? 0)),
        );

  const settled = (async (): Promise<AttemptOutcome> => {
    try {
      const run = () => (task.saga === null ? task.run(ctx) : runSaga(task, task.saga, ctx, store));
      // The handler runs inside the attempt's span: the spans it starts nest under it.
      const traced = span.context;
      const handler = traced === null ? run : () => context.with(traced, run);
      const result = await Promise.race([Promise.resolve().then(handler), abort.whenAborted]);
      if (committed) return { kind: "committed" };
      try {
        return { kind: "succeeded", resultJson: serializePayload(result, "result") };
      } catch (error) {
        return {
          kind: "failed",
          error: new PermanentError(
            `the handler returned a value that cannot be stored: ${(error as Error).message}`,
            { cause: error },
          ),
        };
      }
    } catch (error) {
      if (committed) return { kind: "committed" };
      if (error instanceof WorkerShutdownError && abort.reason === error) return { kind: "released" };
      if (error instanceof LeaseLostError) return { kind: "lease-lost" };
      return { kind: "failed", error };
    } finally {
      timer?.cancel();
      metrics.attemptEnded(job, clock.now() - startedAt);
    }
  })();
  const outcome = settled.then((ended) => {
    endAttemptSpan(span, ended);
    return ended;
  });
  return { job, abort, outcome, traceFields: span.logFields };
}

/**
 * A saga's forward attempt first marks the job as a saga (so a failure for good, even by a
 * dead worker, compensates it); a compensating job's attempt undoes its completed steps.
 */
async function runSaga(
  task: RegisteredTask,
  saga: RegisteredSaga,
  ctx: TaskContext<never>,
  store: Store,
): Promise<unknown> {
  const { job } = ctx;
  const lease = { id: job.id, fence: job.fence };
  if (job.state === "compensating") {
    const steps = await store.flow.listSteps(job.id);
    await saga.compensate(ctx, new Map(steps.map((step) => [step.name, step.result])));
    return null;
  }
  if (!(await store.sagas.markSaga(lease, saga.compensationMaxAttempts)))
    throw new LeaseLostError(job.id, job.fence);
  return task.run(ctx);
}

/** Ends the attempt's span with how the attempt ended (lease lost, cancelled, timed out marked as such). */
function endAttemptSpan(span: AttemptSpan, outcome: AttemptOutcome): void {
  if (outcome.kind !== "failed") {
    const kinds: Record<typeof outcome.kind, AttemptSpanOutcome> = {
      succeeded: "succeeded",
      committed: "succeeded",
      "lease-lost": "lease_lost",
      released: "released",
    };
    span.end(kinds[outcome.kind]);
  } else if (outcome.error instanceof JobTimeoutError) span.end("timed_out", outcome.error);
  else if (outcome.error instanceof JobCancelledError) span.end("cancelled", outcome.error);
  else span.end("failed", outcome.error);
}

function jobLogger(
  store: Store,
  clock: Clock,
  lease: Lease,
  log: () => Logger,
  metrics: MetricsSink,
  traceFields: AttemptSpan["logFields"],
): JobLogger {
  const write = async (level: "info" | "warn" | "error", message: string, data?: Record<string, unknown>) => {
    log()[level](data ?? {}, message);
    // A stored line carries the attempt's trace and span ids in its data, as its pino line does.
    const stored = traceFields === null ? data : { ...data, ...traceFields };
    const dataJson = stored === undefined ? null : serializePayload(stored, "log data");
    const entry = { level, message: message.replaceAll("\0", "\\0"), dataJson };
    if (!(await store.appendLog(lease, entry, clock.now()))) metrics.staleWriteRejected("log");
  };
  return {
    info: (message, data) => write("info", message, data),
    warn: (message, data) => write("warn", message, data),
    error: (message, data) => write("error", message, data),
  };
}
