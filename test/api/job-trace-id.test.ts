// A run's trace id through the REST API (docs/tracing.md): GET /api/v1/jobs/:id names the trace
// its enqueue started, so an operator can look the run up in the tracing backend.
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";
import { registerTestTraceSdk, type TestTraceSdk } from "../support/trace-sdk.js";

describe.each(backends)("a job's trace id in the REST API ($name)", (backend) => {
  let api: ApiFixture | undefined;
  let sdk: TestTraceSdk | undefined;
  afterEach(async () => {
    await api?.close();
    await sdk?.unregister();
    api = undefined;
    sdk = undefined;
  });

  const get = (url: string) => api!.app.inject({ method: "GET", url, headers: api!.auth("viewer") });

  it("shows the trace of the enqueue that created the job", async () => {
    sdk = registerTestTraceSdk();
    api = await openApi(backend);
    const created = await api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: api.auth("operator"),
      payload: { task: "noop", payload: {} },
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json<{ id: string }>();
    const [enqueue] = sdk.spans("enqueue noop") as [ReadableSpan];

    expect((await get(`/api/v1/jobs/${id}`)).json<{ traceId: string | null }>().traceId).toBe(
      enqueue.spanContext().traceId,
    );
  });

  it("shows a null trace id when nothing was traced", async () => {
    api = await openApi(backend);
    const created = await api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: api.auth("operator"),
      payload: { task: "noop", payload: {} },
    });
    const { id } = created.json<{ id: string }>();

    expect((await get(`/api/v1/jobs/${id}`)).json<{ traceId: string | null }>()).toMatchObject({
      traceId: null,
    });
  });
});
