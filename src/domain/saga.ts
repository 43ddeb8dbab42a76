import type { ClaimedJob } from "./job.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { JobLogger, SqlClient, StepInfo, TaskDefinition } from "./task.js";

/** What a saga step's `run` receives. */
export interface SagaStepContext<Payload> {
  readonly job: ClaimedJob;
  readonly payload: Payload;
  /** 1-based attempt number within the current budget. */
  readonly attempt: number;
  /** The step's name and idempotency key (the same in every attempt of the job). */
  readonly step: StepInfo;
  /** What the steps before this one returned, by step name. */
  readonly results: Readonly<Record<string, unknown>>;
  readonly signal: AbortSignal;
  readonly log: JobLogger;
}

/** What a compensation receives: the forward step's stored result, and the saga's failure. */
export interface CompensationContext<Payload> extends SagaStepContext<Payload> {
  /** What this step's `run` returned when it completed. */
  readonly result: unknown;
}

interface SagaStepBase {
  /** Unique within the saga; it names the step's record (`compensate:<name>` for its undo). */
  name: string;
}

/** A step whose effect and record commit apart: give its effect `ctx.step.key` to make it idempotent. */
export interface PlainSagaStep<Payload> extends SagaStepBase {
  transactional?: false;
  run(ctx: SagaStepContext<Payload>): unknown;
  /** Undoes the step; runs at most once to completion, like a step (its record is `compensate:<name>`). */
  compensate?(ctx: CompensationContext<Payload>): unknown;
  /** Nothing can undo this step (an email sent): compensation passes over it. */
  irreversible?: boolean;
}

/**
 * A step whose database writes through `tx` commit together with its record, and whose
 * compensation's writes commit together with the compensation's record: each takes effect
 * exactly once however often the worker dies.
 */
export interface TransactionalSagaStep<Payload> extends SagaStepBase {
  transactional: true;
  run(ctx: SagaStepContext<Payload>, tx: SqlClient): Promise<unknown>;
  compensate?(ctx: CompensationContext<Payload>, tx: SqlClient): Promise<unknown>;
  irreversible?: boolean;
}

export type SagaStep<Payload> = PlainSagaStep<Payload> | TransactionalSagaStep<Payload>;

/**
 * A saga: steps run in order, each durable (a retry skips the steps already completed). When the
 * saga fails for good (a PermanentError, its attempts spent, or a cancel), the job becomes
 * `compensating` and the completed steps are undone newest first, each compensation itself
 * durable and retried, until the job is `compensated`, or `compensation_failed` when a
 * compensation cannot succeed.
 */
export interface SagaDefinition<Payload = unknown> extends Omit<
  TaskDefinition<Payload, Record<string, unknown>>,
  "run"
> {
  steps: SagaStep<Payload>[];
  compensation?: CompensationOptions;
}

export interface CompensationOptions {
  /** Attempts compensating may take before the saga is `compensation_failed`. @defaultValue 10 */
  maxAttempts?: number;
  /** Delay between compensation attempts. @defaultValue the saga's `retry`, else the default policy */
  retry?: RetryPolicy;
}
