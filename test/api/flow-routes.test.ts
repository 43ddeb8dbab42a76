// The REST API of dependencies between jobs: enqueue with dependsOn, flows, a job's edges, and
// the waiting state in job search.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";
import { until } from "../support/taskflow-fixture.js";

interface JobView {
  id: string;
  state: string;
  lastError: { code: string } | null;
}

const json = <T>(response: LightMyRequestResponse) => response.json<T>();

describe.each(backends)("REST API of dependencies ($name)", (backend) => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await openApi(backend);
  });
  afterAll(async () => {
    await api.close();
  });

  const call = (
    method: string,
    url: string,
    payload?: object,
    role: "viewer" | "operator" | "admin" = "operator",
  ) =>
    api.app.inject({
      method: method as "GET",
      url,
      headers: api.auth(role),
      ...(payload === undefined ? {} : { payload }),
    });

  it("enqueues a job with dependsOn, lists it as waiting, and shows its edges both ways", async () => {
    const first = json<JobView>(await call("POST", "/api/v1/jobs", { task: "noop", delay: "1h" }));
    const created = await call("POST", "/api/v1/jobs", {
      task: "noop",
      dependsOn: [{ job: first.id, onFailure: "skip" }],
    });
    expect(created.statusCode).toBe(201);
    const second = json<JobView>(created);
    expect(second.state).toBe("waiting");
    const waiting = json<{ items: JobView[] }>(
      await call("GET", "/api/v1/jobs?state=waiting", undefined, "viewer"),
    );
    expect(waiting.items.map((job) => job.id)).toEqual([second.id]);
    const edges = await call("GET", `/api/v1/jobs/${second.id}/dependencies`, undefined, "viewer");
    expect(edges.statusCode).toBe(200);
    expect(edges.json()).toMatchObject({
      dependencies: [{ jobId: first.id, onFailure: "skip", state: "queued", task: "noop" }],
      dependents: [],
    });
    const upstream = json<{ dependents: { jobId: string }[] }>(
      await call("GET", `/api/v1/jobs/${first.id}/dependencies`, undefined, "viewer"),
    );
    expect(upstream.dependents.map((d) => d.jobId)).toEqual([second.id]);

    // Cancelling the dependency skips the dependent (its edge says skip).
    expect((await call("POST", `/api/v1/jobs/${first.id}/cancel`)).statusCode).toBe(200);
    expect(json<JobView>(await call("GET", `/api/v1/jobs/${second.id}`))).toMatchObject({
      state: "skipped",
      lastError: { code: "DEPENDENCY_SKIPPED" },
    });
  });

  it("refuses an unknown dependency with 400 and a stable code, and a missing job's edges with 404", async () => {
    const response = await call("POST", "/api/v1/jobs", { task: "noop", dependsOn: ["99999999"] });
    expect(response.statusCode).toBe(400);
    expect(json<{ error: { code: string } }>(response).error.code).toBe("DEPENDENCY_NOT_FOUND");
    const missing = await call("GET", "/api/v1/jobs/99999999/dependencies", undefined, "viewer");
    expect(missing.statusCode).toBe(404);
    expect(json<{ error: { code: string } }>(missing).error.code).toBe("JOB_NOT_FOUND");
  });

  it("enqueues a flow, runs it in order, and refuses a cycle naming it", async () => {
    const created = await call("POST", "/api/v1/flows", {
      jobs: {
        extract: { task: "noop", payload: { day: 1 } },
        transform: { task: "noop", dependsOn: ["extract"] },
        load: { task: "noop", dependsOn: [{ job: "transform", onFailure: "continue" }] },
      },
    });
    expect(created.statusCode).toBe(201);
    const { jobs } = json<{ jobs: Record<string, JobView> }>(created);
    expect(Object.fromEntries(Object.entries(jobs).map(([name, job]) => [name, job.state]))).toEqual({
      extract: "queued",
      transform: "waiting",
      load: "waiting",
    });
    await api.tf.start();
    await until(async () => (await api.tf.getJob(jobs.load!.id))?.state === "succeeded", "the flow ran");

    const cycle = await call("POST", "/api/v1/flows", {
      jobs: { a: { task: "noop", dependsOn: ["b"] }, b: { task: "noop", dependsOn: ["a"] } },
    });
    expect(cycle.statusCode).toBe(400);
    expect(json<{ error: { code: string; message: string } }>(cycle).error).toMatchObject({
      code: "FLOW_CYCLE",
      message: "the flow has a cycle: a → b → a",
    });
  });

  it("keeps shell tasks in a flow to admins", async () => {
    const body = { jobs: { run: { task: "sh" } } };
    expect((await call("POST", "/api/v1/flows", body, "operator")).statusCode).toBe(403);
    expect((await call("POST", "/api/v1/flows", body, "admin")).statusCode).toBe(201);
  });
});
