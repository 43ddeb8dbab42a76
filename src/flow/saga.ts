import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import {
  resolveRetryPolicy,
  type ResolvedRetryPolicy,
  type RetryDelayFunction,
} from "../domain/retry-policy.js";
import type { SagaDefinition, SagaStep, SagaStepContext } from "../domain/saga.js";
import type { StepInfo, TaskContext, TaskDefinition } from "../domain/task.js";

export const DEFAULT_COMPENSATION_ATTEMPTS = 10;
/** The record of a step's compensation is `compensate:<step>`, beside the steps' own records. */
export const COMPENSATION_PREFIX = "compensate:";
const MAX_STEPS = 100;
const MAX_COMPENSATION_ATTEMPTS = 1_000_000;

/** A saga with its definition checked: what the worker needs to run and to undo it. */
export interface RegisteredSaga {
  stepNames: string[];
  compensationMaxAttempts: number;
  /** Null: the saga's own retry policy (or the default). */
  compensationRetry: ResolvedRetryPolicy | RetryDelayFunction | null;
  /** Undoes the completed steps (by name, with their results), newest first. */
  compensate(ctx: TaskContext<never>, completed: ReadonlyMap<string, unknown>): Promise<void>;
}

/**
 * Checks a saga's definition (every step named once, with a compensation or marked
 * irreversible) and turns it into a task definition whose `run` runs the steps in order as
 * durable steps, plus what undoing it takes. Throws INVALID_SAGA naming the step at fault.
 */
export function compileSaga<Payload>(
  name: string,
  definition: SagaDefinition<Payload>,
): { task: TaskDefinition<Payload, Record<string, unknown>>; saga: RegisteredSaga } {
  const steps = checkSteps(name, definition?.steps);
  const compensation = definition.compensation ?? {};
  const maxAttempts = compensation.maxAttempts ?? DEFAULT_COMPENSATION_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_COMPENSATION_ATTEMPTS) {
    throw invalidSaga(
      name,
      `compensation.maxAttempts must be a whole number from 1 to ${MAX_COMPENSATION_ATTEMPTS}, got ${String(maxAttempts)}`,
    );
  }
  const retry = compensation.retry;
  const task: TaskDefinition<Payload, Record<string, unknown>> = {
    ...definition,
    run: (ctx) => runSteps(steps, ctx),
  };
  delete (task as { steps?: unknown }).steps;
  delete (task as { compensation?: unknown }).compensation;
  return {
    task,
    saga: {
      stepNames: steps.map((step) => step.name),
      compensationMaxAttempts: maxAttempts,
      compensationRetry:
        retry === undefined ? null : typeof retry === "function" ? retry : resolveRetryPolicy(retry),
      compensate: (ctx, completed) => undoSteps(steps, ctx as TaskContext<Payload>, completed),
    },
  };
}

async function runSteps<Payload>(
  steps: SagaStep<Payload>[],
  ctx: TaskContext<Payload>,
): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  for (const step of steps) {
    results[step.name] = step.transactional
      ? await ctx.transactionalStep(step.name, (tx, info) => step.run(stepContext(ctx, info, results), tx))
      : await ctx.step(step.name, (info) => step.run(stepContext(ctx, info, results)));
  }
  return results;
}

/** Newest first; a step that never completed, or cannot be undone, is passed over. */
async function undoSteps<Payload>(
  steps: SagaStep<Payload>[],
  ctx: TaskContext<Payload>,
  completed: ReadonlyMap<string, unknown>,
): Promise<void> {
  const results = Object.fromEntries(
    [...completed].filter(([name]) => !name.startsWith(COMPENSATION_PREFIX)),
  );
  for (const step of [...steps].reverse()) {
    if (!completed.has(step.name) || step.compensate === undefined) continue;
    const record = `${COMPENSATION_PREFIX}${step.name}`;
    const result = completed.get(step.name);
    if (step.transactional) {
      await ctx.transactionalStep(record, async (tx, info) => {
        await step.compensate?.({ ...stepContext(ctx, info, results), result }, tx);
        return null;
      });
    } else {
      await ctx.step(record, async (info) => {
        await step.compensate?.({ ...stepContext(ctx, info, results), result });
        return null;
      });
    }
  }
}

function stepContext<Payload>(
  ctx: TaskContext<Payload>,
  step: StepInfo,
  results: Record<string, unknown>,
): SagaStepContext<Payload> {
  return {
    job: ctx.job,
    payload: ctx.payload,
    attempt: ctx.attempt,
    step,
    results: { ...results },
    signal: ctx.signal,
    log: ctx.log,
  };
}

function checkSteps<Payload>(name: string, steps: unknown): SagaStep<Payload>[] {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) {
    throw invalidSaga(name, `steps must be a list of 1 to ${MAX_STEPS} steps`);
  }
  const seen = new Set<string>();
  return steps.map((step: Partial<SagaStep<Payload>> | null, index) => {
    const where = `step ${index + 1}`;
    if (typeof step !== "object" || step === null) throw invalidSaga(name, `${where} must be an object`);
    const stepName = step.name;
    if (
      typeof stepName !== "string" ||
      stepName.length === 0 ||
      stepName.length > 200 ||
      stepName.includes("\0")
    ) {
      throw invalidSaga(
        name,
        `${where} needs a name: a non-empty string of at most 200 characters without NUL`,
      );
    }
    const label = `step ${JSON.stringify(stepName)}`;
    if (stepName.startsWith(COMPENSATION_PREFIX)) {
      throw invalidSaga(
        name,
        `${label}: names starting with "${COMPENSATION_PREFIX}" are kept for compensations`,
      );
    }
    if (seen.has(stepName)) throw invalidSaga(name, `${label} appears twice: give each step its own name`);
    seen.add(stepName);
    if (typeof step.run !== "function") throw invalidSaga(name, `${label}: run must be a function`);
    const hasUndo = step.compensate !== undefined;
    if (hasUndo && typeof step.compensate !== "function") {
      throw invalidSaga(name, `${label}: compensate must be a function`);
    }
    if (step.irreversible !== undefined && typeof step.irreversible !== "boolean") {
      throw invalidSaga(name, `${label}: irreversible must be true or false`);
    }
    if (!hasUndo && step.irreversible !== true) {
      throw invalidSaga(
        name,
        `${label} has no compensate: give it one, or mark it irreversible: true if nothing can undo it`,
      );
    }
    if (hasUndo && step.irreversible === true) {
      throw invalidSaga(name, `${label} is marked irreversible but has a compensate: keep one of the two`);
    }
    if (step.transactional !== undefined && typeof step.transactional !== "boolean") {
      throw invalidSaga(name, `${label}: transactional must be true or false`);
    }
    return step as SagaStep<Payload>;
  });
}

function invalidSaga(name: string, message: string): InvalidInputError {
  return new InvalidInputError(`saga ${JSON.stringify(name)}: ${message}`, {
    code: ErrorCode.InvalidSaga,
    details: { task: name },
  });
}
