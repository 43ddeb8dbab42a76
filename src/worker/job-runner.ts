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
import type { ClaimedJob } from "../domain/job.js";
import type { TaskContext } from "../domain/task.js";
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
import { AttemptContext } from "./attempt-context.js";
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
  const ctx = new AttemptContext(
    job,
    { id: job.id, fence: job.fence },
    abort,
    store,
    clock,
    logger,
    metrics,
    span.logFields,
  );

  const timer =
    job.timeoutMs === null
      ? null
      : clock.setTimer(clock.now() + job.timeoutMs, () =>
          abort.abort(new JobTimeoutError(job.timeoutMs ?? 0)),
        );

  const outcome = (async (): Promise<AttemptOutcome> => {
    const ended = await settle();
    timer?.cancel();
    metrics.attemptEnded(job, clock.now() - startedAt);
    endAttemptSpan(span, ended);
    return ended;
  })();
  async function settle(): Promise<AttemptOutcome> {
    try {
      const run = () => (task.saga === null ? task.run(ctx) : runSaga(task, task.saga, ctx, store));
      // The handler runs inside the attempt's span: the spans it starts nest under it.
      const traced = span.context;
      const handler = traced === null ? run : () => context.with(traced, run);
      const result = await Promise.race([Promise.resolve().then(handler), abort.whenAborted]);
      if (ctx.committed) return { kind: "committed" };
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
      if (ctx.committed) return { kind: "committed" };
      if (error instanceof WorkerShutdownError && abort.reason === error) return { kind: "released" };
      if (error instanceof LeaseLostError) return { kind: "lease-lost" };
      return { kind: "failed", error };
    }
  }
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

const SPAN_OUTCOMES: Record<Exclude<AttemptOutcome["kind"], "failed">, AttemptSpanOutcome> = {
  succeeded: "succeeded",
  committed: "succeeded",
  "lease-lost": "lease_lost",
  released: "released",
};

/** Ends the attempt's span with how the attempt ended (lease lost, cancelled, timed out marked as such). */
function endAttemptSpan(span: AttemptSpan, outcome: AttemptOutcome): void {
  if (outcome.kind !== "failed") {
    span.end(SPAN_OUTCOMES[outcome.kind]);
  } else if (outcome.error instanceof JobTimeoutError) span.end("timed_out", outcome.error);
  else if (outcome.error instanceof JobCancelledError) span.end("cancelled", outcome.error);
  else span.end("failed", outcome.error);
}
