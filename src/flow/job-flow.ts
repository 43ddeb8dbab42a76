import type {
  DependencyLink,
  DependencyResults,
  NewDependency,
  OnDependencyFailure,
} from "../domain/dependencies.js";
import { OnDependencyFailure as Policies } from "../domain/dependencies.js";
import type { EnqueueOptions } from "../domain/enqueue-options.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { SqlClient, TaskRef } from "../domain/task.js";
import type { Store } from "../store/store.js";

/** A flow's edge: the name of another job of the flow, or that name with a failure policy. */
export type FlowDependsOn = string | { job: string; onFailure?: OnDependencyFailure };

/** One job of a flow. `options.dependsOn` may also name jobs outside the flow, by id. */
export interface FlowJob<Payload = unknown> {
  task: TaskRef<Payload> | string;
  payload: Payload;
  /** Other jobs of this flow that run first. @defaultValue none */
  dependsOn?: FlowDependsOn[];
  options?: Omit<EnqueueOptions, "tx">;
}

/**
 * A DAG of jobs enqueued at once, in one transaction: each named job waits for the jobs of the
 * flow it `dependsOn`. A "parent with children that run first" is a parent depending on its
 * children.
 */
export interface FlowDefinition {
  jobs: Record<string, FlowJob>;
  /** As enqueue's `tx`: the whole flow is written in the application's transaction. */
  tx?: SqlClient;
}

const NAME = /^[A-Za-z0-9_.:\-/]{1,200}$/;
const POLICIES: readonly string[] = Object.values(Policies);

/** The flow's jobs in declaration order, with each one's edges to the others as batch indexes. */
export interface CompiledFlow {
  names: string[];
  edges: NewDependency[][];
}

/**
 * Checks a flow: names well formed, every edge names a job of the flow (INVALID_FLOW), no cycle
 * (FLOW_CYCLE, naming it). Writes nothing.
 */
export function compileFlow(definition: FlowDefinition): CompiledFlow {
  const jobs: unknown = definition?.jobs;
  if (typeof jobs !== "object" || jobs === null || Object.keys(jobs).length === 0) {
    throw invalidFlow("a flow needs `jobs`: an object of named jobs");
  }
  const names = Object.keys(jobs);
  const index = new Map(names.map((name, i) => [name, i]));
  const edges = names.map((name) => {
    if (!NAME.test(name))
      throw invalidFlow(
        `flow job name ${JSON.stringify(name)} must be 1-200 characters of letters, digits and _ . : - /`,
      );
    const job = (jobs as Record<string, FlowJob>)[name];
    const dependsOn: unknown = job?.dependsOn ?? [];
    if (!Array.isArray(dependsOn))
      throw invalidFlow(`${name}.dependsOn must be an array of names of the flow's jobs`);
    const seen = new Set<string>();
    return dependsOn.map((entry: unknown): NewDependency => {
      const edge =
        typeof entry === "string" ? { job: entry } : (entry as { job?: unknown; onFailure?: unknown });
      const target = edge?.job;
      const onFailure = edge?.onFailure ?? "fail";
      if (typeof target !== "string" || !index.has(target)) {
        throw invalidFlow(
          `job ${JSON.stringify(name)} depends on ${JSON.stringify(target)}, which is not a job of the flow`,
        );
      }
      if (typeof onFailure !== "string" || !POLICIES.includes(onFailure)) {
        throw invalidFlow(
          `${name}: onFailure must be one of ${POLICIES.join(", ")}; got ${JSON.stringify(onFailure)}`,
        );
      }
      if (seen.has(target))
        throw invalidFlow(`job ${JSON.stringify(name)} depends on ${JSON.stringify(target)} twice`);
      seen.add(target);
      return {
        jobId: null,
        index: index.get(target) as number,
        onFailure: onFailure as OnDependencyFailure,
        name: target,
      };
    });
  });
  const cycle = findCycle(names, edges);
  if (cycle !== null) {
    throw new InvalidInputError(`the flow has a cycle: ${cycle.join(" → ")}`, {
      code: ErrorCode.FlowCycle,
      details: { cycle },
    });
  }
  return { names, edges };
}

/** A cycle as names (first repeated last), or null: depth-first, marking nodes done once left. */
function findCycle(names: string[], edges: NewDependency[][]): string[] | null {
  const state = new Array<"new" | "open" | "done">(names.length).fill("new");
  const path: number[] = [];
  const visit = (node: number): number[] | null => {
    state[node] = "open";
    path.push(node);
    for (const edge of edges[node] ?? []) {
      const next = edge.index as number;
      if (state[next] === "open") return [...path.slice(path.indexOf(next)), next];
      if (state[next] === "new") {
        const found = visit(next);
        if (found !== null) return found;
      }
    }
    path.pop();
    state[node] = "done";
    return null;
  };
  for (let node = 0; node < names.length; node++) {
    if (state[node] !== "new") continue;
    const found = visit(node);
    if (found !== null) return found.map((i) => names[i] as string);
  }
  return null;
}

function invalidFlow(message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidFlow });
}

/** `ctx.dependencies()`: each dependency by flow name (when it has one) and by job id. */
export async function dependencyResults(store: Store, jobId: string): Promise<DependencyResults> {
  const edges = await store.dependencies.listDependencies(jobId);
  const results: Record<string, DependencyLink> = {};
  for (const link of edges?.dependencies ?? []) {
    results[link.jobId] = link;
    if (link.name !== null) results[link.name] = link;
  }
  return results;
}
