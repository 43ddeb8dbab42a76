import { ErrorCode, InvalidInputError } from "./errors.js";
import type { JobState } from "./job-state.js";

/**
 * What a dependent does when a dependency ended other than `succeeded` (dead, cancelled, skipped,
 * compensated, compensation_failed): `fail` ends it `dead` without running (DEPENDENCY_FAILED),
 * `skip` ends it `skipped` (DEPENDENCY_SKIPPED), `continue` runs it anyway.
 */
export const OnDependencyFailure = { Fail: "fail", Skip: "skip", Continue: "continue" } as const;
export type OnDependencyFailure = (typeof OnDependencyFailure)[keyof typeof OnDependencyFailure];

/** A job id, or a job id with the edge's failure policy. @defaultValue onFailure "fail" */
export type DependsOn = string | { job: string; onFailure?: OnDependencyFailure };

/**
 * One validated edge of a job being enqueued: to an existing job (`jobId`) or to another item of
 * the same batch (`index`, as flows declare them). `name` is the flow's name of the dependency.
 */
export interface NewDependency {
  jobId: string | null;
  index: number | null;
  onFailure: OnDependencyFailure;
  name: string | null;
}

/** A job at the other end of an edge, as `ctx.dependencies()` and the API show it. */
export interface DependencyLink {
  jobId: string;
  /** The flow's name of the dependency; null outside a flow. */
  name: string | null;
  onFailure: OnDependencyFailure;
  task: string;
  state: JobState;
  /** Its handler's result (null until it succeeded). */
  result: unknown;
  finishedAt: Date | null;
}

/** The edges around one job. */
export interface JobDependencies {
  /** The jobs it waits for. */
  dependencies: DependencyLink[];
  /** The jobs waiting for it. */
  dependents: DependencyLink[];
}

/**
 * What a handler reads with `ctx.dependencies()`: each dependency keyed by its flow name (when it
 * has one) and by its job id.
 */
export type DependencyResults = Readonly<Record<string, DependencyLink>>;

const POLICIES: readonly string[] = Object.values(OnDependencyFailure);
export const MAX_DEPENDENCIES = 1000;

/** Validates the `dependsOn` option of one enqueue; throws InvalidInputError. */
export function resolveDependsOn(dependsOn: unknown): NewDependency[] {
  if (dependsOn === undefined) return [];
  if (!Array.isArray(dependsOn) || dependsOn.length > MAX_DEPENDENCIES) {
    throw invalid(`dependsOn must be an array of at most ${MAX_DEPENDENCIES} job ids or { job, onFailure }`);
  }
  const seen = new Set<string>();
  return dependsOn.map((entry: unknown) => {
    const edge = typeof entry === "string" ? { job: entry } : entry;
    if (typeof edge !== "object" || edge === null)
      throw invalid("each dependsOn entry must be a job id or { job, onFailure }");
    const { job, onFailure = "fail" } = edge as { job?: unknown; onFailure?: unknown };
    if (typeof job !== "string" || !/^[1-9][0-9]{0,18}$/.test(job)) {
      throw new InvalidInputError(`dependsOn names ${JSON.stringify(job)}, which is not a job id`, {
        code: ErrorCode.DependencyNotFound,
        details: { dependency: job },
      });
    }
    if (typeof onFailure !== "string" || !POLICIES.includes(onFailure)) {
      throw invalid(`onFailure must be one of ${POLICIES.join(", ")}; got ${JSON.stringify(onFailure)}`);
    }
    if (seen.has(job)) throw invalid(`dependsOn names job ${job} twice`);
    seen.add(job);
    return { jobId: job, index: null, onFailure: onFailure as OnDependencyFailure, name: null };
  });
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option: "dependsOn" } });
}
