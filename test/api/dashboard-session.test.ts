// The dashboard's side of the API: sign-in with a token for an HttpOnly, SameSite=Strict cookie,
// CSRF on every change made with it, security headers, the overview and the schedule list's runs.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";
import { advanceUntil } from "../support/taskflow-fixture.js";

const cookieOf = (response: LightMyRequestResponse) =>
  String(response.headers["set-cookie"]).split(";")[0] as string;

describe.each(backends)("dashboard session and overview ($name)", (backend) => {
  let api: ApiFixture;
  const dashboardDir = mkdtempSync(join(tmpdir(), "taskflow-dashboard-"));
  beforeAll(async () => {
    mkdirSync(join(dashboardDir, "assets"));
    writeFileSync(
      join(dashboardDir, "index.html"),
      '<!doctype html><script type="module" src="/assets/app-1.js"></script>',
    );
    writeFileSync(join(dashboardDir, "assets", "app-1.js"), "console.log('dashboard')");
    api = await openApi(backend, { dashboardDir });
  });
  afterAll(async () => {
    await api.close();
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  const signIn = async (role: "viewer" | "operator" | "admin" = "operator") => {
    const response = await api.app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: { token: api.tokenOf[role] },
    });
    expect(response.statusCode).toBe(201);
    return { cookie: cookieOf(response), csrf: response.json<{ csrfToken: string }>().csrfToken, response };
  };

  it("exchanges a token for an HttpOnly, SameSite=Strict session cookie; refuses a bad token", async () => {
    const { response, cookie } = await signIn();
    const setCookie = String(response.headers["set-cookie"]);
    expect(setCookie).toMatch(
      /^tf_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/,
    );
    expect(response.json()).toMatchObject({ principal: { role: "operator", label: "operator for tests" } });
    const who = await api.app.inject({ url: "/api/v1/session", headers: { cookie } });
    expect(who.json()).toMatchObject({
      principal: { role: "operator" },
      csrfToken: expect.any(String) as string,
    });
    const bad = await api.app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: { token: "tf_nope" },
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers["set-cookie"]).toBeUndefined();
  });

  it("marks the cookie Secure behind a trusted TLS proxy, and ignores X-Forwarded-Proto otherwise", async () => {
    const viaProxy = { "x-forwarded-proto": "https" };
    const untrusted = await api.app.inject({
      method: "POST",
      url: "/api/v1/session",
      payload: { token: api.tokenOf.viewer },
      headers: viaProxy,
    });
    expect(String(untrusted.headers["set-cookie"])).not.toContain("Secure");
    const proxied = await openApi(backend, { trustProxy: true });
    try {
      const response = await proxied.app.inject({
        method: "POST",
        url: "/api/v1/session",
        payload: { token: proxied.tokenOf.viewer },
        headers: viaProxy,
      });
      expect(String(response.headers["set-cookie"])).toMatch(/; Secure$/);
    } finally {
      await proxied.close();
    }
  });

  it("needs the CSRF token for a change made with the cookie, and refuses another origin", async () => {
    const { cookie, csrf } = await signIn();
    await api.tf.schedule("csrf-target", { task: "noop", cron: "0 4 * * *" });
    const pause = (headers: Record<string, string>) =>
      api.app.inject({
        method: "POST",
        url: "/api/v1/schedules/csrf-target/pause",
        headers: { cookie, ...headers },
      });

    const without = await pause({});
    expect([without.statusCode, without.json<{ error: { code: string } }>().error.code]).toEqual([
      403,
      "CSRF_FAILED",
    ]);
    expect((await pause({ "x-csrf-token": "A".repeat(43) })).statusCode).toBe(403);
    // A form posted from another site: even with the right token, the Origin gives it away.
    expect(
      (await pause({ "x-csrf-token": csrf, origin: "https://evil.example", host: "localhost:80" }))
        .statusCode,
    ).toBe(403);
    expect((await api.tf.getSchedule("csrf-target"))?.paused).toBe(false);

    const ok = await pause({ "x-csrf-token": csrf });
    expect(ok.statusCode).toBe(200);
    expect((await api.tf.getSchedule("csrf-target"))?.paused).toBe(true);
    // Reads need no CSRF token; the bearer token needs none either (no ambient credential).
    expect((await api.app.inject({ url: "/api/v1/jobs", headers: { cookie } })).statusCode).toBe(200);
    const bearer = await api.app.inject({
      method: "POST",
      url: "/api/v1/schedules/csrf-target/resume",
      headers: api.auth("operator"),
    });
    expect(bearer.statusCode).toBe(200);
  });

  it("keeps the role of the token behind the session, and ends the session on sign-out or revocation", async () => {
    const viewer = await signIn("viewer");
    const forbidden = await api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { cookie: viewer.cookie, "x-csrf-token": viewer.csrf },
      payload: { task: "noop" },
    });
    expect(forbidden.statusCode).toBe(403);
    const out = await api.app.inject({
      method: "DELETE",
      url: "/api/v1/session",
      headers: { cookie: viewer.cookie, "x-csrf-token": viewer.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers["set-cookie"])).toContain("Max-Age=0");
    expect(
      (await api.app.inject({ url: "/api/v1/session", headers: { cookie: viewer.cookie } })).statusCode,
    ).toBe(401);

    const { token, record } = await api.tokens.create({ label: "laptop", role: "admin", actor: "test" });
    const session = await api.app.inject({ method: "POST", url: "/api/v1/session", payload: { token } });
    const cookie = cookieOf(session);
    expect((await api.app.inject({ url: "/api/v1/tokens", headers: { cookie } })).statusCode).toBe(200);
    await api.tokens.revoke(record.id, "test");
    expect((await api.app.inject({ url: "/api/v1/tokens", headers: { cookie } })).statusCode).toBe(401);
  });

  it("sends a CSP without unsafe-inline and other security headers on the dashboard and the API", async () => {
    for (const url of ["/", "/assets/app-1.js", "/api/v1/jobs", "/healthz"]) {
      const response = await api.app.inject({ url, headers: api.auth("viewer") });
      const csp = String(response.headers["content-security-policy"]);
      expect([url, csp]).toEqual([url, expect.stringContaining("script-src 'self'")]);
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["x-frame-options"]).toBe("DENY");
    }
    const page = await api.app.inject({ url: "/" });
    expect([page.statusCode, page.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"]);
    const asset = await api.app.inject({ url: "/assets/app-1.js" });
    expect([asset.statusCode, asset.headers["content-type"], asset.body]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "console.log('dashboard')",
    ]);
    expect((await api.app.inject({ url: "/assets/..%2Findex.html" })).statusCode).toBe(400);
    expect((await api.app.inject({ url: "/assets/missing.js" })).statusCode).toBe(404);
  });

  it("reports the overview: queue, throughput, fire lateness, next fires, nodes", async () => {
    await api.tf.schedule("overview-cron", { task: "noop", cron: "*/10 * * * * *" });
    await api.tf.enqueue("noop", { later: true }, { delay: "1h" });
    await api.tf.start();
    // In steps: each timer re-arms only after its query returns.
    await advanceUntil(
      api.clock,
      1_000,
      60_000,
      async () => (await api.tf.listJobs({ scheduleId: "overview-cron", state: "succeeded" })).length > 0,
      "a run of the schedule",
    );
    const overview = (await api.app.inject({ url: "/api/v1/overview", headers: api.auth("viewer") })).json<{
      queue: { ready: number; scheduled: number; running: number; capped: boolean };
      throughput: { lastHour: { succeeded: number }[]; lastDay: unknown[] };
      fireLatenessLastHour: { samples: number; p99Ms: number | null };
      nextFires: { scheduleId: string; at: string }[];
      nodes: unknown[];
      maintenanceLeaseHolder: unknown;
    }>();
    expect(overview.queue.scheduled).toBeGreaterThanOrEqual(1);
    expect(overview.queue.capped).toBe(false);
    expect(overview.throughput.lastHour).toHaveLength(60);
    expect(overview.throughput.lastDay).toHaveLength(48);
    expect(overview.throughput.lastHour.reduce((n, b) => n + b.succeeded, 0)).toBeGreaterThanOrEqual(1);
    expect(overview.fireLatenessLastHour.samples).toBeGreaterThanOrEqual(1);
    expect(overview.fireLatenessLastHour.p99Ms).toBeGreaterThanOrEqual(0);
    expect(overview.nextFires.map((f) => f.scheduleId)).toContain("overview-cron");
    expect(overview.nodes.length).toBe(1);
    expect(overview.maintenanceLeaseHolder).not.toBeNull();

    const list = (
      await api.app.inject({ url: "/api/v1/schedules?search=overview&runs=5", headers: api.auth("viewer") })
    ).json<{
      items: { id: string; recentRuns: { state: string }[] }[];
    }>();
    expect(list.items[0]?.recentRuns.map((r) => r.state)).toContain("succeeded");
  });
});
