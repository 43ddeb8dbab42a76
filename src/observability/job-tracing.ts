import {
  context,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import type { NewJob } from "../domain/enqueue-options.js";
import type { ClaimedJob, TraceContext } from "../domain/job.js";
import { PACKAGE_VERSION } from "../package-version.js";
import { fromTraceContext, toTraceContext } from "./trace-context.js";

/** The span attributes TaskFlow sets (docs/tracing.md): OpenTelemetry messaging ones where they fit. */
export const TraceAttribute = {
  MessagingSystem: "messaging.system",
  MessagingOperationType: "messaging.operation.type",
  MessagingOperationName: "messaging.operation.name",
  MessagingDestination: "messaging.destination.name",
  MessagingMessageId: "messaging.message.id",
  MessagingBatchCount: "messaging.batch.message_count",
  ErrorType: "error.type",
  Task: "taskflow.task",
  Queue: "taskflow.queue",
  JobId: "taskflow.job.id",
  JobCreated: "taskflow.job.created",
  MaxAttempts: "taskflow.job.max_attempts",
  InTransaction: "taskflow.enqueue.in_transaction",
  Attempt: "taskflow.attempt",
  Fence: "taskflow.attempt.fence",
  Compensation: "taskflow.attempt.compensation",
  AttemptOutcome: "taskflow.attempt.outcome",
  ScheduleId: "taskflow.schedule.id",
  FireTime: "taskflow.schedule.fire_time",
  RunAt: "taskflow.job.run_at",
  OccurrenceEnqueued: "taskflow.occurrence.enqueued",
} as const;

/** How an attempt ended, as its span says (`taskflow.attempt.outcome`). */
export type AttemptSpanOutcome =
  "succeeded" | "failed" | "timed_out" | "cancelled" | "lease_lost" | "released";

/** A span whose context is stored with the jobs it enqueues (an enqueue, a fire, a trigger). */
export interface ProducerSpan {
  /** What to store with the job: null when the span is invalid (no SDK registered) or tracing is off. */
  readonly traceContext: TraceContext | null;
  /** Runs `fn` with the span active, so an instrumented database client nests its query under it. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  end(attributes?: Attributes): void;
  fail(error: unknown): void;
}

export interface AttemptSpan {
  /** The context the handler runs in (its spans nest under the attempt); null with tracing off. */
  readonly context: Context | null;
  /** `traceId` and `spanId` for the attempt's log lines; null when nothing is traced. */
  readonly logFields: { traceId: string; spanId: string } | null;
  end(outcome: AttemptSpanOutcome, error?: unknown): void;
}

const NO_PRODUCER_SPAN: ProducerSpan = {
  traceContext: null,
  run: (fn) => fn(),
  end: () => undefined,
  fail: () => undefined,
};

const NO_ATTEMPT_SPAN: AttemptSpan = { context: null, logFields: null, end: () => undefined };

const ERROR_OUTCOMES = new Set<AttemptSpanOutcome>(["failed", "timed_out", "cancelled", "lease_lost"]);

/**
 * TaskFlow's spans, through the OpenTelemetry API only: the application registers an SDK (or
 * none, and every span is a no-op whose invalid context stores nothing). The API's tracer is a
 * proxy: an SDK registered after TaskFlow was created is used from then on.
 */
export class JobTracing {
  readonly #tracer: Tracer;

  constructor(private readonly enabled: boolean) {
    this.#tracer = trace.getTracer("taskflow", PACKAGE_VERSION);
  }

  /** One span per enqueue call (a batch included), a child of the caller's active span. */
  startEnqueue(jobs: NewJob[], inTransaction: boolean): ProducerSpan {
    if (!this.enabled || jobs.length === 0) return NO_PRODUCER_SPAN;
    const first = jobs[0] as NewJob;
    const task = jobs.every((job) => job.task === first.task) ? first.task : null;
    const queue = jobs.every((job) => job.queue === first.queue) ? first.queue : null;
    const attributes = messaging("send", "enqueue");
    if (task !== null) attributes[TraceAttribute.Task] = task;
    if (queue !== null) {
      attributes[TraceAttribute.Queue] = queue;
      attributes[TraceAttribute.MessagingDestination] = queue;
    }
    if (jobs.length > 1) attributes[TraceAttribute.MessagingBatchCount] = jobs.length;
    if (inTransaction) attributes[TraceAttribute.InTransaction] = true;
    const name = task === null ? "enqueue" : `enqueue ${task}`;
    const span = this.#tracer.startSpan(name, { kind: SpanKind.PRODUCER, attributes });
    return producerSpan(span, context.active());
  }

  /** One span per occurrence a schedule fires, the root of that occurrence's trace. */
  startFire(
    schedule: { id: string; task: string; queue: string },
    occurrence: { fireAt: number; runAt: number },
  ): ProducerSpan {
    if (!this.enabled) return NO_PRODUCER_SPAN;
    const attributes = messaging("send", "fire");
    attributes[TraceAttribute.MessagingDestination] = schedule.queue;
    attributes[TraceAttribute.Task] = schedule.task;
    attributes[TraceAttribute.Queue] = schedule.queue;
    attributes[TraceAttribute.ScheduleId] = schedule.id;
    attributes[TraceAttribute.FireTime] = new Date(occurrence.fireAt).toISOString();
    attributes[TraceAttribute.RunAt] = new Date(occurrence.runAt).toISOString();
    const span = this.#tracer.startSpan(
      `fire ${schedule.id}`,
      { kind: SpanKind.PRODUCER, attributes },
      ROOT_CONTEXT,
    );
    return producerSpan(span, ROOT_CONTEXT);
  }

  /** A manual run of a schedule (`trigger`), a child of the caller's active span. */
  startTrigger(scheduleId: string): ProducerSpan {
    if (!this.enabled) return NO_PRODUCER_SPAN;
    const attributes = messaging("send", "trigger");
    attributes[TraceAttribute.ScheduleId] = scheduleId;
    const span = this.#tracer.startSpan(`trigger ${scheduleId}`, { kind: SpanKind.PRODUCER, attributes });
    return producerSpan(span, context.active());
  }

  /**
   * One span per attempt, a child of the span stored with the job (so every attempt, on any node,
   * is in the enqueue's trace); a root span when the job carries none.
   */
  startAttempt(job: ClaimedJob): AttemptSpan {
    if (!this.enabled) return NO_ATTEMPT_SPAN;
    // No SDK registered and no stored trace: the span would be an invalid no-op. Asked per
    // attempt (cheaply), since an SDK may be registered at any time.
    if (job.traceContext === null && !sdkRegistered()) return NO_ATTEMPT_SPAN;
    const stored = fromTraceContext(job.traceContext);
    const parent = stored === null ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, stored);
    const attributes = messaging("process", "attempt");
    attributes[TraceAttribute.MessagingDestination] = job.queue;
    attributes[TraceAttribute.MessagingMessageId] = job.id;
    attributes[TraceAttribute.Task] = job.task;
    attributes[TraceAttribute.Queue] = job.queue;
    attributes[TraceAttribute.JobId] = job.id;
    attributes[TraceAttribute.Attempt] = job.attempt;
    attributes[TraceAttribute.Fence] = job.fence;
    attributes[TraceAttribute.MaxAttempts] = job.maxAttempts;
    if (job.state === "compensating") attributes[TraceAttribute.Compensation] = true;
    if (job.scheduleId !== null) attributes[TraceAttribute.ScheduleId] = job.scheduleId;
    if (job.fireAt !== null) attributes[TraceAttribute.FireTime] = job.fireAt.toISOString();
    const span = this.#tracer.startSpan(
      `attempt ${job.task}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
    );
    const spanContext = span.spanContext();
    const traced = toTraceContext(spanContext) !== null;
    return {
      context: trace.setSpan(parent, span),
      logFields: traced ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : null,
      end: (outcome, error) => {
        span.setAttribute(TraceAttribute.AttemptOutcome, outcome);
        if (ERROR_OUTCOMES.has(outcome)) {
          if (error !== undefined) recordError(span, error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(outcome, error) });
        } else if (outcome === "succeeded") {
          span.setStatus({ code: SpanStatusCode.OK });
        }
        span.end();
      },
    };
  }
}

/** Whether an OpenTelemetry SDK (a tracer provider) is registered with the API. */
function sdkRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegateTracer("taskflow") !== undefined;
}

/**
 * The attributes every span has; callers add theirs by assignment (spreading objects with
 * these dotted keys costs microseconds per span, measurable on the untraced hot path).
 */
function messaging(type: "send" | "process", name: string): Attributes {
  return {
    "messaging.system": "taskflow",
    "messaging.operation.type": type,
    "messaging.operation.name": name,
  };
}

function producerSpan(span: Span, parent: Context): ProducerSpan {
  const active = trace.setSpan(parent, span);
  return {
    traceContext: toTraceContext(span.spanContext()),
    run: (fn) => context.with(active, fn),
    end: (attributes) => {
      if (attributes !== undefined) span.setAttributes(attributes);
      span.end();
    },
    fail: (error) => {
      recordError(span, error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage("failed", error) });
      span.end();
    },
  };
}

function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.recordException(error instanceof Error ? error : thrownText(error));
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute(
    TraceAttribute.ErrorType,
    typeof code === "string" ? code : error instanceof Error ? error.name : "Error",
  );
}

/** A thrown value that is not an Error (`throw "x"`, `throw { code }`), as text. */
function thrownText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

function errorMessage(outcome: AttemptSpanOutcome, error: unknown): string {
  const message = error instanceof Error ? error.message : error === undefined ? "" : thrownText(error);
  switch (outcome) {
    case "lease_lost":
      return "lease lost: another worker holds the job now; this attempt's writes are refused";
    case "timed_out":
      return `timed out: ${message}`;
    case "cancelled":
      return "cancelled";
    default:
      return message;
  }
}

/** Tracing turned off (`tracing: false`): no span is started, nothing is stored. */
export const NO_TRACING = new JobTracing(false);
