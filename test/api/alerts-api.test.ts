// The alert routes: list and show alerts with their deliveries, acknowledge, silences, test
// sends; every change audited. Roles are checked for every route by access-control.test.ts.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlertReceiver, type AlertReceiver } from "../support/alert-receiver.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";
import { backends } from "../support/backends.js";
import { advanceUntil, until } from "../support/taskflow-fixture.js";

const json = <T>(response: LightMyRequestResponse) => response.json<T>();
const errorCode = (response: LightMyRequestResponse) =>
  json<{ error: { code: string } }>(response).error.code;

interface AlertView {
  id: string;
  rule: string;
  status: string;
  count: number;
  acknowledgedBy: string | null;
}

describe.each(backends)("REST API alert routes ($name)", { timeout: 120_000 }, (backend) => {
  let api: ApiFixture;
  let hook: AlertReceiver;
  beforeAll(async () => {
    hook = await startAlertReceiver();
    api = await openApi(backend, {
      alerts: {
        channels: { ops: hook.channel },
        routes: { P1: { channels: ["ops"] } },
        allow: hook.allow,
        evaluateEvery: "10s",
      },
    });
  });
  afterAll(async () => {
    await api.close();
    await hook.close();
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

  it("lists a dead job's alert with its delivery, acknowledges it, and audits the acknowledgement", async () => {
    await api.tf.start();
    const { id: jobId } = json<{ id: string }>(
      await call("POST", "/api/v1/jobs", { task: "fails", payload: {} }, "operator"),
    );
    await advanceUntil(
      api.clock,
      1_000,
      120_000,
      async () => (await api.tf.getJob(jobId))?.state === "dead",
      "dead job",
    );
    await advanceUntil(
      api.clock,
      5_000,
      120_000,
      () => Promise.resolve(hook.accepted.length === 1),
      "delivered",
    );

    const listed = json<{ items: AlertView[] }>(
      await call("GET", "/api/v1/alerts?status=firing", undefined, "viewer"),
    );
    expect(listed.items).toHaveLength(1);
    const alert = listed.items[0]!;
    expect(alert).toMatchObject({ rule: "job-dead", status: "firing", count: 1, acknowledgedBy: null });

    type Shown = { alert: AlertView; messages: { id: string }[]; deliveries: { outcome: string }[] };
    const show = async () =>
      json<Shown>(await call("GET", `/api/v1/alerts/${alert.id}`, undefined, "viewer"));
    // The receiver answered; the outcome is written right after.
    await until(async () => (await show()).deliveries.length === 1, "delivery recorded");
    const shown = await show();
    expect(shown.messages.map((m) => m.id)).toEqual([hook.accepted[0]!.id]);
    expect(shown.deliveries.map((d) => d.outcome)).toEqual(["delivered"]);

    const acked = await call("POST", `/api/v1/alerts/${alert.id}/acknowledge`, undefined, "operator");
    expect(acked.statusCode).toBe(200);
    expect(json<AlertView>(acked).acknowledgedBy).toMatch(/operator/);
    const audit = json<{ items: { action: string }[] }>(
      await call("GET", `/api/v1/audit?targetType=alert&targetId=${alert.id}`),
    );
    expect(audit.items.map((a) => a.action)).toEqual(["alert.acknowledge"]);

    expect(errorCode(await call("GET", "/api/v1/alerts/999999", undefined, "viewer"))).toBe(
      "ALERT_NOT_FOUND",
    );
    expect((await call("POST", "/api/v1/alerts/999999/acknowledge", undefined, "operator")).statusCode).toBe(
      404,
    );
  });

  it("creates, lists and deletes a silence, refusing one that ends before it starts", async () => {
    const now = api.clock.now();
    const created = await call(
      "POST",
      "/api/v1/alerts/silences",
      {
        matchers: { task: "backup" },
        endsAt: new Date(now + 3_600_000).toISOString(),
        comment: "maintenance night",
      },
      "operator",
    );
    expect(created.statusCode).toBe(201);
    const silence = json<{ id: string; matchers: object; comment: string }>(created);
    expect(silence).toMatchObject({ matchers: { task: "backup" }, comment: "maintenance night" });
    const listed = json<{ items: { id: string }[] }>(
      await call("GET", "/api/v1/alerts/silences", undefined, "viewer"),
    );
    expect(listed.items.map((s) => s.id)).toContain(silence.id);

    const backwards = await call(
      "POST",
      "/api/v1/alerts/silences",
      { matchers: {}, startsAt: new Date(now).toISOString(), endsAt: new Date(now - 1).toISOString() },
      "operator",
    );
    expect(backwards.statusCode).toBe(400);

    expect(
      (await call("DELETE", `/api/v1/alerts/silences/${silence.id}`, undefined, "operator")).statusCode,
    ).toBe(204);
    const again = await call("DELETE", `/api/v1/alerts/silences/${silence.id}`, undefined, "operator");
    expect(errorCode(again)).toBe("SILENCE_NOT_FOUND");
    const audit = json<{ items: { action: string }[] }>(
      await call("GET", `/api/v1/audit?targetType=alert_silence&targetId=${silence.id}`),
    );
    expect(audit.items.map((a) => a.action).sort()).toEqual(["alert.silence.create", "alert.silence.delete"]);
  });

  it("sends a test message through a channel and says what the receiver answered", async () => {
    const channels = json<{ channels: string[] }>(
      await call("GET", "/api/v1/alerts/channels", undefined, "viewer"),
    );
    expect(channels.channels).toEqual(["ops"]);
    const before = hook.requests.length;
    const sent = await call("POST", "/api/v1/alerts/channels/ops/test", undefined, "admin");
    expect(json(sent)).toMatchObject({ delivered: true, status: 200 });
    expect(hook.requests).toHaveLength(before + 1);

    hook.script({ status: 403, body: "token revoked" });
    const refused = await call("POST", "/api/v1/alerts/channels/ops/test", undefined, "admin");
    expect(json(refused)).toMatchObject({ delivered: false, status: 403 });

    const unknown = await call("POST", "/api/v1/alerts/channels/pager/test", undefined, "admin");
    expect(errorCode(unknown)).toBe("ALERT_CHANNEL_NOT_FOUND");
  });
});
