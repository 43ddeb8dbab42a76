// What the REST API does for its users: schedules, job search with cursor pagination, a run's
// attempts and logs, dead letters, tokens, and the audit log of every change; plus the same
// API over a real listening socket.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";
import { advanceUntil, until } from "../support/taskflow-fixture.js";

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
interface JobView {
  id: string;
  task: string;
  state: string;
  tags: string[];
}

const json = <T>(response: LightMyRequestResponse) => response.json<T>();

describe.each(backends)("REST API routes ($name)", (backend) => {
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
    role: "viewer" | "operator" | "admin" = "admin",
  ) =>
    api.app.inject({
      method: method as "GET",
      url,
      headers: api.auth(role),
      ...(payload === undefined ? {} : { payload }),
    });

  it("creates, edits, previews, pauses, triggers and deletes a schedule, and audits each change", async () => {
    const created = await call(
      "PUT",
      "/api/v1/schedules/nightly",
      { task: "noop", cron: "30 2 * * *", timezone: "Europe/Paris" },
      "operator",
    );
    expect(created.statusCode).toBe(201);
    expect(json<{ owner: string }>(created).owner).toBe("api");
    const again = await call(
      "PUT",
      "/api/v1/schedules/nightly",
      { task: "noop", cron: "30 2 * * *", timezone: "Europe/Paris" },
      "operator",
    );
    expect(again.statusCode).toBe(200);
    const edited = await call(
      "PUT",
      "/api/v1/schedules/nightly",
      { task: "noop", cron: "45 2 * * *", timezone: "Europe/Paris" },
      "operator",
    );
    expect(edited.statusCode).toBe(200);

    const shown = json<{ upcoming: string[]; spec: { cron: string } }>(
      await call("GET", "/api/v1/schedules/nightly", undefined, "viewer"),
    );
    expect(shown.spec.cron).toBe("45 2 * * *");
    expect(shown.upcoming).toHaveLength(5);
    const preview = json<{ fireTimes: string[] }>(
      await call(
        "POST",
        "/api/v1/schedules/preview",
        { schedule: { task: "noop", cron: "0 9 * * 1-5" }, count: 3 },
        "viewer",
      ),
    );
    expect(preview.fireTimes).toHaveLength(3);
    const taskless = await call(
      "POST",
      "/api/v1/schedules/preview",
      { schedule: { every: "90m" }, count: 2 },
      "viewer",
    );
    expect(json<{ fireTimes: string[] }>(taskless).fireTimes).toHaveLength(2);

    expect(
      json<{ paused: boolean }>(await call("POST", "/api/v1/schedules/nightly/pause", undefined, "operator"))
        .paused,
    ).toBe(true);
    expect(
      json<{ paused: boolean }>(await call("POST", "/api/v1/schedules/nightly/resume", undefined, "operator"))
        .paused,
    ).toBe(false);
    const triggered = await call("POST", "/api/v1/schedules/nightly/trigger", undefined, "operator");
    expect(triggered.statusCode).toBe(201);
    expect(json<{ task: string; scheduleId: string }>(triggered)).toMatchObject({
      task: "noop",
      scheduleId: "nightly",
    });

    const history = json<{ items: { action: string; actor: string }[] }>(
      await call("GET", "/api/v1/schedules/nightly/history"),
    );
    expect(history.items.map((h) => h.action)).toEqual([
      "created",
      "updated",
      "paused",
      "resumed",
      "triggered",
    ]);
    expect(history.items.every((h) => h.actor.startsWith("token:"))).toBe(true);

    expect((await call("DELETE", "/api/v1/schedules/nightly", undefined, "operator")).statusCode).toBe(204);
    expect((await call("GET", "/api/v1/schedules/nightly")).statusCode).toBe(404);

    const audit = json<Page<{ action: string; actor: string; before: unknown; after: unknown }>>(
      await call("GET", "/api/v1/audit?targetType=schedule&targetId=nightly"),
    );
    expect(audit.items.map((a) => a.action).reverse()).toEqual([
      "schedule.create",
      "schedule.update",
      "schedule.pause",
      "schedule.resume",
      "schedule.trigger",
      "schedule.delete",
    ]);
    const update = audit.items.find((a) => a.action === "schedule.update");
    expect(update).toMatchObject({ before: { cron: "30 2 * * *" }, after: { cron: "45 2 * * *" } });
    expect(update?.actor).toMatch(/^token:[a-z2-9]{12} \(operator for tests\)$/);
  });

  it("shows the upcoming fires of an interval from its pending next fire, keeping its anchor", async () => {
    await call("PUT", "/api/v1/schedules/every-90s", { task: "noop", every: "90s" }, "operator");
    await api.clock.advance(30_000);
    const shown = json<{ nextFireAt: string; upcoming: string[] }>(
      await call("GET", "/api/v1/schedules/every-90s"),
    );
    const first = Date.parse(shown.nextFireAt);
    expect(shown.upcoming.map((t) => Date.parse(t) - first)).toEqual([0, 90_000, 180_000, 270_000, 360_000]);
    await call("POST", "/api/v1/schedules/every-90s/pause", undefined, "operator");
    expect(json<{ upcoming: string[] }>(await call("GET", "/api/v1/schedules/every-90s")).upcoming).toEqual(
      [],
    );
    await call("DELETE", "/api/v1/schedules/every-90s", undefined, "operator");
  });

  it("creates a schedule that follows another, shows it has no fire times of its own, and refuses a bad after", async () => {
    await call("PUT", "/api/v1/schedules/etl", { task: "noop", cron: "0 2 * * *" }, "operator");
    const created = await call(
      "PUT",
      "/api/v1/schedules/report",
      { task: "noop", after: { schedule: "etl", onFailure: "continue" } },
      "operator",
    );
    expect(created.statusCode).toBe(201);
    expect(json(await call("GET", "/api/v1/schedules/report"))).toMatchObject({
      timing: { kind: "after", schedule: "etl", onFailure: "continue" },
      nextFireAt: null,
      upcoming: [],
    });
    const timed = await call(
      "PUT",
      "/api/v1/schedules/bad",
      { task: "noop", after: "etl", timezone: "UTC" },
      "operator",
    );
    expect(timed.statusCode).toBe(400);
    const refused = json<{ error: { code: string; message: string } }>(timed).error;
    expect(refused.code).toBe("INVALID_SCHEDULE");
    expect(refused.message).toContain("timezone does not apply to a schedule with after");
    const policy = await call(
      "PUT",
      "/api/v1/schedules/bad",
      { task: "noop", after: { schedule: "etl", onFailure: "retry" } },
      "operator",
    );
    expect(policy.statusCode).toBe(400);
    const unknown = await call("PUT", "/api/v1/schedules/bad", { task: "noop", after: "elt" }, "operator");
    expect(unknown.statusCode).toBe(400);
    expect(json<{ error: { message: string } }>(unknown).error.message).toContain(
      'after names schedule "elt", which does not exist',
    );
    expect((await call("GET", "/api/v1/schedules/bad")).statusCode).toBe(404);
    await call("DELETE", "/api/v1/schedules/report", undefined, "operator");
    await call("DELETE", "/api/v1/schedules/etl", undefined, "operator");
  });

  it("leaves schedules of taskflow.yaml and of code to their owners, but lets operators pause them", async () => {
    await api.tf.schedule("from-file", { task: "noop", every: "1h" }, { owner: "file" });
    const edit = await call("PUT", "/api/v1/schedules/from-file", { task: "noop", every: "2h" });
    expect(edit.statusCode).toBe(409);
    expect(json<{ error: { code: string } }>(edit).error.code).toBe("SCHEDULE_OWNED_ELSEWHERE");
    expect((await call("DELETE", "/api/v1/schedules/from-file")).statusCode).toBe(409);
    expect((await call("POST", "/api/v1/schedules/from-file/pause")).statusCode).toBe(200);
    // The store itself refuses, under the row lock, so a race between file and API cannot overwrite.
    await expect(
      api.tf.schedule("from-file", { task: "noop", every: "3h" }, { owner: "api" }),
    ).rejects.toMatchObject({
      code: "SCHEDULE_OWNED_ELSEWHERE",
    });
    const owned = json<Page<{ id: string }>>(await call("GET", "/api/v1/schedules?owner=file"));
    expect(owned.items.map((s) => s.id)).toEqual(["from-file"]);
  });

  it("searches jobs by state, task, tags and time, newest first, a page at a time", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await call(
        "POST",
        "/api/v1/jobs",
        { task: "noop", payload: { i }, tags: i % 2 === 0 ? ["even", "batch"] : ["batch"] },
        "operator",
      );
      expect(response.statusCode).toBe(201);
      ids.push(json<{ id: string }>(response).id);
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page: Page<JobView> = json<Page<JobView>>(
        await call(
          "GET",
          `/api/v1/jobs?tag=batch&limit=3${cursor === null ? "" : `&cursor=${cursor}`}`,
          undefined,
          "viewer",
        ),
      );
      pages.push(page.items.map((j) => j.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages.flat()).toEqual([...ids].reverse());
    expect(pages[0]).toHaveLength(3);

    const even = json<Page<JobView>>(await call("GET", "/api/v1/jobs?tag=even&tag=batch"));
    expect(even.items.map((j) => j.id)).toEqual([ids[6], ids[4], ids[2], ids[0]]);
    const now = new Date(api.clock.now());
    const future = new Date(api.clock.now() + 60_000).toISOString();
    expect(json<Page<JobView>>(await call("GET", `/api/v1/jobs?tag=batch&from=${future}`)).items).toEqual([]);
    expect(
      json<Page<JobView>>(await call("GET", `/api/v1/jobs?tag=batch&to=${future}&from=${now.toISOString()}`))
        .items,
    ).toHaveLength(7);
    expect(
      json<Page<JobView>>(await call("GET", "/api/v1/jobs?tag=batch&state=queued&task=noop")).items,
    ).toHaveLength(7);
    expect(json<Page<JobView>>(await call("GET", "/api/v1/jobs?tag=batch&state=dead")).items).toEqual([]);
    const bad = await call("GET", "/api/v1/jobs?state=exploded");
    expect(bad.statusCode).toBe(400);
  });

  it("enqueues with a concurrency key and a rate-limit key, and refuses an empty one with 400", async () => {
    const response = await call(
      "POST",
      "/api/v1/jobs",
      { task: "noop", payload: {}, concurrencyKey: "tenant:42", rateLimitKey: "api.example.com" },
      "operator",
    );
    expect(response.statusCode).toBe(201);
    const job = json<{ id: string; concurrencyKey: string; rateLimitKey: string }>(response);
    expect(job).toMatchObject({ concurrencyKey: "tenant:42", rateLimitKey: "api.example.com" });
    expect(json<{ concurrencyKey: string }>(await call("GET", `/api/v1/jobs/${job.id}`)).concurrencyKey).toBe(
      "tenant:42",
    );
    const empty = await call("POST", "/api/v1/jobs", { task: "noop", concurrencyKey: "" }, "operator");
    expect(empty.statusCode).toBe(400);
    expect(json<{ error: { code: string } }>(empty).error.code).toBe("INVALID_REQUEST");
  });

  it("lists circuit breakers, open ones first, with their probe time and last error", async () => {
    const outcome = (breaker: string, succeeded: boolean) =>
      api.tf.store.recordCircuitOutcome({
        breaker,
        task: "fails",
        succeeded,
        now: api.clock.now(),
        consecutiveFailures: 1,
        openForMs: 60_000,
        error: succeeded
          ? null
          : { code: "HANDLER_FAILED", name: "Error", message: "it broke", attempt: 1, at: "x" },
      });
    await outcome("key:a-healthy-host", true);
    await outcome("key:z-failing-host", false);
    const { items } = json<{ items: { breaker: string; state: string; retryAt: string | null }[] }>(
      await call("GET", "/api/v1/circuit-breakers"),
    );
    expect(items.map((b) => [b.breaker, b.state])).toEqual([
      ["key:z-failing-host", "open"],
      ["key:a-healthy-host", "closed"],
    ]);
    expect(items[0]).toMatchObject({
      retryAt: new Date(api.clock.now() + 60_000).toISOString(),
      lastError: { message: "it broke" },
    });
    expect((await api.app.inject({ method: "GET", url: "/api/v1/circuit-breakers" })).statusCode).toBe(401);
  });

  it("shows a failed run's attempts with errors and stacks, its logs, then replays it from the dead letters", async () => {
    await api.tf.start();
    const enqueued = json<{ id: string }>(
      await call("POST", "/api/v1/jobs", { task: "fails", payload: {} }, "operator"),
    );
    const id = enqueued.id;
    const state = async () => (await api.tf.getJob(id))?.state;
    await until(
      async () => (await api.tf.getJob(id))?.attempt === 1 && (await state()) === "queued",
      "first attempt failed",
    );
    await advanceUntil(
      api.clock,
      1_000,
      60_000,
      async () => (await state()) === "dead",
      "dead after two attempts",
    );

    const attempts = json<{
      items: { attempt: number; outcome: string; error: { message: string; stack: string } }[];
    }>(await call("GET", `/api/v1/jobs/${id}/attempts`, undefined, "viewer"));
    expect(attempts.items.map((a) => [a.attempt, a.outcome, a.error.message])).toEqual([
      [1, "failed", "it broke"],
      [2, "failed", "it broke"],
    ]);
    expect(attempts.items[0]?.error.stack).toContain("it broke");
    // The step attempt 1 completed was not run again by attempt 2.
    const steps = json<{ items: { name: string; result: unknown; fence: number }[] }>(
      await call("GET", `/api/v1/jobs/${id}/steps`, undefined, "viewer"),
    );
    expect(steps.items.map((s) => [s.name, s.result, s.fence])).toEqual([["prepare", { ready: true }, 1]]);
    expect((await call("GET", "/api/v1/jobs/999999/steps", undefined, "viewer")).statusCode).toBe(404);
    expect(
      json<{ items: unknown[] }>(await call("GET", `/api/v1/jobs/${id}/logs`, undefined, "viewer")).items,
    ).toEqual([]);

    const dead = json<Page<JobView>>(await call("GET", "/api/v1/dead?task=fails", undefined, "viewer"));
    expect(dead.items.map((j) => j.id)).toEqual([id]);
    const counted = await call("POST", "/api/v1/dead/replay", { task: "fails", dryRun: true }, "operator");
    expect(json<{ matching: number }>(counted).matching).toBe(1);
    expect(await state()).toBe("dead"); // a dry run changes nothing
    const byTag = await call(
      "POST",
      "/api/v1/dead/replay",
      { tag: ["no-such-tag"], dryRun: true },
      "operator",
    );
    expect(json<{ matching: number }>(byTag).matching).toBe(0);
    const replayed = json<{ replayed: number }>(
      await call("POST", "/api/v1/dead/replay", { task: "fails" }, "operator"),
    );
    expect(replayed.replayed).toBe(1);
    expect(await state()).not.toBe("dead");
    // The replayed job runs again at once (the worker is started) and waits for its retry:
    // cancel it there, not while it is running.
    await until(
      async () => (await api.tf.getJob(id))?.attempt === 1 && (await state()) === "queued",
      "the replayed job's first attempt to fail",
    );
    const cancelled = await call("POST", `/api/v1/jobs/${id}/cancel`, undefined, "operator");
    expect(cancelled.statusCode).toBe(200);
    const retry = await call("POST", `/api/v1/jobs/${id}/retry`, undefined, "operator");
    expect([retry.statusCode, json<{ state: string }>(retry).state]).toEqual([200, "queued"]);
    const audit = json<Page<{ action: string }>>(
      await call("GET", `/api/v1/audit?targetType=job&targetId=${id}`),
    );
    expect(audit.items.map((a) => a.action).reverse()).toEqual(["job.enqueue", "job.cancel", "job.retry"]);
    expect((await call("GET", "/api/v1/jobs/999999999/attempts")).statusCode).toBe(404);
  });

  it("creates a token shown once, stores only its hash, lists it without a secret, revokes it", async () => {
    const created = await call("POST", "/api/v1/tokens", { label: "ci pipeline", role: "operator" });
    expect(created.statusCode).toBe(201);
    const { token, id } = json<{ token: string; id: string }>(created);
    expect(token).toMatch(/^tf_[a-z2-9]{12}_[A-Za-z0-9_-]{43}$/);
    const listed = json<{ items: Record<string, unknown>[] }>(await call("GET", "/api/v1/tokens"));
    const entry = listed.items.find((t) => t.id === id);
    expect(entry).toMatchObject({ label: "ci pipeline", role: "operator", revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(token.slice(-43));
    const { rows } = await api.tf.store.access.findToken(id).then((t) => ({ rows: [t] }));
    expect(rows[0]?.secretSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows[0])).not.toContain(token.slice(-43));

    const headers = { authorization: `Bearer ${token}` };
    expect((await api.app.inject({ url: "/api/v1/whoami", headers })).json()).toMatchObject({
      role: "operator",
      label: "ci pipeline",
    });
    expect((await call("DELETE", `/api/v1/tokens/${id}`)).statusCode).toBe(200);
    expect((await api.app.inject({ url: "/api/v1/whoami", headers })).statusCode).toBe(401);
    expect((await call("DELETE", "/api/v1/tokens/zzzzzzzzzzzz")).statusCode).toBe(404);
    const audit = json<Page<{ action: string; after: unknown }>>(
      await call("GET", `/api/v1/audit?targetType=token&targetId=${id}`),
    );
    expect(audit.items.map((a) => a.action)).toEqual(["token.revoke", "token.create"]);
    expect(JSON.stringify(audit)).not.toContain(token.slice(-43));
  });

  it("serves the same API over a real socket: health, 401, 413 and the OpenAPI document", async () => {
    const address = await api.app.listen({ port: 0, host: "127.0.0.1" });
    expect(await (await fetch(`${address}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    expect((await fetch(`${address}/api/v1/schedules`)).status).toBe(401);
    const big = await fetch(`${address}/api/v1/jobs`, {
      method: "POST",
      headers: { ...api.auth("operator"), "content-type": "application/json" },
      body: JSON.stringify({ task: "noop", payload: "x".repeat(1_100_000) }),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("BODY_TOO_LARGE");
    const spec = (await (await fetch(`${address}/docs/json`, { headers: api.auth("viewer") })).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/api/v1/jobs", "/api/v1/schedules/{id}", "/api/v1/tokens"]),
    );
    expect((await fetch(`${address}/docs/json`)).status).toBe(401);
  });
});
