import { describe, expect, it } from "vitest";
import { resolveDependsOn } from "../../src/domain/dependencies.js";
import { ErrorCode } from "../../src/domain/errors.js";
import { compileFlow, type FlowDefinition, type FlowJob } from "../../src/flow/job-flow.js";
import { expectInvalidInput } from "./thrown-error.js";

const job = (dependsOn?: FlowJob["dependsOn"]): FlowJob => ({
  task: "t",
  payload: null,
  ...(dependsOn === undefined ? {} : { dependsOn }),
});
const flow = (jobs: Record<string, FlowJob>): FlowDefinition => ({ jobs });

describe("compileFlow", () => {
  it("turns names into edges to batch positions, with each edge's policy and the dependency's name", () => {
    const compiled = compileFlow(
      flow({
        extract: job(),
        transform: job(["extract"]),
        load: job([{ job: "transform", onFailure: "skip" }]),
      }),
    );
    expect(compiled.names).toEqual(["extract", "transform", "load"]);
    expect(compiled.edges).toEqual([
      [],
      [{ jobId: null, index: 0, onFailure: "fail", name: "extract" }],
      [{ jobId: null, index: 1, onFailure: "skip", name: "transform" }],
    ]);
  });

  it("accepts a diamond (two paths to one job are not a cycle)", () => {
    const compiled = compileFlow(flow({ a: job(), b: job(["a"]), c: job(["a"]), d: job(["b", "c"]) }));
    expect(compiled.edges[3]?.map((e) => e.index)).toEqual([1, 2]);
  });

  it("refuses a cycle and names it, a self-edge included", () => {
    const error = expectInvalidInput(
      () => compileFlow(flow({ x: job(), a: job(["b"]), b: job(["c"]), c: job(["a", "x"]) })),
      ErrorCode.FlowCycle,
    );
    expect(error.message).toBe("the flow has a cycle: a → b → c → a");
    expect(error.details).toEqual({ cycle: ["a", "b", "c", "a"] });
    expect(expectInvalidInput(() => compileFlow(flow({ a: job(["a"]) })), ErrorCode.FlowCycle).message).toBe(
      "the flow has a cycle: a → a",
    );
  });

  it("refuses names outside the flow, the same edge twice, unknown policies, bad names and an empty flow", () => {
    expect(
      expectInvalidInput(() => compileFlow(flow({ load: job(["transfrom"]) })), ErrorCode.InvalidFlow)
        .message,
    ).toBe('job "load" depends on "transfrom", which is not a job of the flow');
    expectInvalidInput(() => compileFlow(flow({ a: job(), b: job(["a", "a"]) })), ErrorCode.InvalidFlow);
    expectInvalidInput(
      () => compileFlow(flow({ a: job(), b: job([{ job: "a", onFailure: "retry" as "fail" }]) })),
      ErrorCode.InvalidFlow,
    );
    expectInvalidInput(() => compileFlow(flow({ "no spaces": job() })), ErrorCode.InvalidFlow);
    expectInvalidInput(() => compileFlow(flow({})), ErrorCode.InvalidFlow);
  });
});

describe("resolveDependsOn", () => {
  it("takes ids and { job, onFailure }, defaulting to fail", () => {
    expect(resolveDependsOn(["12", { job: "13", onFailure: "continue" }])).toEqual([
      { jobId: "12", index: null, onFailure: "fail", name: null },
      { jobId: "13", index: null, onFailure: "continue", name: null },
    ]);
    expect(resolveDependsOn(undefined)).toEqual([]);
  });

  it("refuses what is not a job id, unknown policies, repeats and non-arrays", () => {
    expectInvalidInput(() => resolveDependsOn(["abc"]), ErrorCode.DependencyNotFound);
    expectInvalidInput(() => resolveDependsOn([{ job: "1", onFailure: "ignore" }]), ErrorCode.InvalidOption);
    expectInvalidInput(() => resolveDependsOn(["1", { job: "1" }]), ErrorCode.InvalidOption);
    expectInvalidInput(() => resolveDependsOn("1"), ErrorCode.InvalidOption);
  });
});
