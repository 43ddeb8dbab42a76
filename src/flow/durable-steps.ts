import { serializePayload } from "../domain/enqueue-options.js";
import { ErrorCode, LeaseLostError, PermanentError } from "../domain/errors.js";
import type { Lease } from "../domain/job.js";
import type { SqlClient, StepInfo } from "../domain/task.js";
import type { FlowStore } from "../store/flow-store.js";
import type { Clock } from "../time/clock.js";

const MAX_STEP_NAME = 200;

/**
 * The steps of one attempt of a job (`ctx.step`). A completed step is recorded with its result,
 * fenced by the attempt, so a retry returns the stored result instead of running it again. The
 * steps a job already completed are read once, on the first `step` call of the attempt.
 *
 * A plain step can still run twice if the worker dies between the step's effect and its record:
 * give its effect the step's `key` to make it idempotent downstream, or use a transactional step,
 * whose database writes commit together with its record.
 */
export class DurableSteps {
  #completed: Promise<Map<string, unknown>> | null = null;
  readonly #seen = new Set<string>();

  constructor(
    private readonly store: FlowStore,
    private readonly clock: Clock,
    private readonly lease: Lease,
    private readonly jobKey: string,
  ) {}

  async run<T>(name: string, fn: (step: StepInfo) => Promise<T> | T): Promise<T> {
    const info = this.#begin(name);
    const done = await this.#completedSteps();
    if (done.has(name)) return done.get(name) as T;
    const json = resultJson(name, await fn(info));
    if (!(await this.store.recordStep(this.lease, name, json, this.clock.now())))
      throw new LeaseLostError(this.lease.id, this.lease.fence);
    return JSON.parse(json) as T;
  }

  async runInTransaction<T>(name: string, fn: (tx: SqlClient, step: StepInfo) => Promise<T>): Promise<T> {
    const info = this.#begin(name);
    const done = await this.#completedSteps();
    if (done.has(name)) return done.get(name) as T;
    const json = await this.store.recordStepInTransaction(this.lease, name, this.clock.now(), async (tx) =>
      resultJson(name, await fn(tx, info)),
    );
    return JSON.parse(json) as T;
  }

  #begin(name: string): StepInfo {
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_STEP_NAME || name.includes("\0")) {
      throw new PermanentError(
        `a step name must be a non-empty string of at most ${MAX_STEP_NAME} characters without NUL, got ${JSON.stringify(name)}`,
        { code: ErrorCode.InvalidStepName, details: { step: String(name) } },
      );
    }
    if (this.#seen.has(name)) {
      throw new PermanentError(
        `step ${JSON.stringify(name)} was started twice in one run: give each step of a job its own name`,
        { code: ErrorCode.DuplicateStep, details: { step: name } },
      );
    }
    this.#seen.add(name);
    return { name, key: `${this.jobKey}:${name}` };
  }

  #completedSteps(): Promise<Map<string, unknown>> {
    this.#completed ??= this.store
      .listSteps(this.lease.id)
      .then((steps) => new Map(steps.map((step) => [step.name, step.result])));
    // A failed read is not cached: the next step call reads again.
    this.#completed.catch(() => {
      this.#completed = null;
    });
    return this.#completed;
  }
}

/** A step's result as stored: plain JSON, `undefined` as `null`. */
function resultJson(name: string, value: unknown): string {
  return serializePayload(value === undefined ? null : value, `the result of step ${JSON.stringify(name)}`);
}

/** Stable across every attempt of a job: the occurrence for a scheduled run, else the job. */
export function jobIdempotencyKey(job: {
  id: string;
  scheduleId: string | null;
  fireAt: Date | null;
}): string {
  if (job.scheduleId !== null && job.fireAt !== null) return `${job.scheduleId}@${job.fireAt.toISOString()}`;
  return `job:${job.id}`;
}
