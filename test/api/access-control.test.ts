// Every route of the REST API, enumerated from the router: without a token → 401; with each
// role → 403 exactly when the role is below the route's; hostile input → 4xx, never 5xx.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "../../src/domain/roles.js";
import type { RouteAccess } from "../../src/server/auth-hook.js";
import { backends } from "../support/backends.js";
import { openApi, type ApiFixture } from "../support/api-fixture.js";

const errorCode = (response: LightMyRequestResponse) =>
  response.json<{ error: { code: string } }>().error.code;
const itemsOf = (response: LightMyRequestResponse) => response.json<{ items: unknown[] }>().items;

const ROLES: Role[] = ["viewer", "operator", "admin"];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** A concrete URL for a route pattern: each `:param` gets `value`, `*` gets a file name. */
function concrete(url: string, value = "sample-1"): string {
  return url.replace(/:[A-Za-z]+/g, encodeURIComponent(value)).replace("*", "index.css");
}

/** API routes (the OpenAPI viewer's static files are served the same way; one of them is enough). */
function apiRoutes(table: RouteAccess[]): RouteAccess[] {
  return table.filter((r) => r.method !== "HEAD" && !(r.url.startsWith("/docs/") && r.url !== "/docs/json"));
}

describe.each(backends)("REST API access control ($name)", (backend) => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await openApi(backend);
  });
  afterAll(async () => {
    await api.close();
  });

  it("knows every route with the role it needs; only health, sign-in and the dashboard's files are public", () => {
    const routes = apiRoutes(api.app.routeTable);
    expect(routes.length).toBeGreaterThan(20);
    const open = routes.filter((r) => r.role === "public").map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual([
      "GET /",
      "GET /assets/:file",
      "GET /healthz",
      "GET /readyz",
      "POST /api/v1/session",
    ]);
  });

  it("answers 401 with the error format on every non-public route without a token", async () => {
    const routes = api.app.routeTable.filter((r) => r.role !== "public");
    for (const route of routes) {
      for (const headers of [
        {},
        { authorization: "Bearer tf_aaaaaaaaaaaa_" + "A".repeat(43) },
        { authorization: "Basic YWRtaW46YWRtaW4=" },
      ]) {
        const response = await api.app.inject({
          method: route.method as "GET",
          url: concrete(route.url),
          headers,
        });
        expect([route.method, route.url, response.statusCode]).toEqual([route.method, route.url, 401]);
        if (route.method !== "HEAD") expect(errorCode(response)).toBe("UNAUTHENTICATED");
      }
    }
  });

  it("refuses a revoked token at once", async () => {
    const { token, record } = await api.tokens.create({ label: "short-lived", role: "admin", actor: "test" });
    const headers = { authorization: `Bearer ${token}` };
    expect((await api.app.inject({ url: "/api/v1/whoami", headers })).statusCode).toBe(200);
    await api.tokens.revoke(record.id, "test");
    const after = await api.app.inject({ url: "/api/v1/whoami", headers });
    expect(after.statusCode).toBe(401);
  });

  it("applies the role matrix to every route: 403 below the route's role, never 401/403 at or above it", async () => {
    const routes = apiRoutes(api.app.routeTable).filter((r) => r.role !== "public");
    let checked = 0;
    for (const route of routes) {
      for (const role of ROLES) {
        const response = await api.app.inject({
          method: route.method as "GET",
          url: concrete(route.url, "doesnotexist"),
          headers: { ...api.auth(role), "content-type": "application/json" },
          ...(route.method === "GET" || route.method === "DELETE" ? {} : { payload: "{}" }),
        });
        const allowed = RANK[role] >= RANK[route.role as Role];
        const label = `${route.method} ${route.url} as ${role}`;
        if (allowed) expect([label, response.statusCode]).not.toEqual([label, 403]);
        else expect([label, response.statusCode, errorCode(response)]).toEqual([label, 403, "FORBIDDEN"]);
        expect([label, response.statusCode]).not.toEqual([label, 401]);
        expect([label, response.statusCode < 500]).toEqual([label, true]);
        checked += 1;
      }
    }
    expect(checked).toBe(routes.length * 3);
  });

  it("keeps shell tasks to admins: an operator may not schedule or enqueue one", async () => {
    const headers = api.auth("operator");
    const schedule = await api.app.inject({
      method: "PUT",
      url: "/api/v1/schedules/shell-nightly",
      headers,
      payload: { task: "sh", cron: "0 3 * * *" },
    });
    expect(schedule.statusCode).toBe(403);
    const enqueue = await api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers,
      payload: { task: "sh" },
    });
    expect(enqueue.statusCode).toBe(403);
    const asAdmin = await api.app.inject({
      method: "PUT",
      url: "/api/v1/schedules/shell-nightly",
      headers: api.auth("admin"),
      payload: { task: "sh", cron: "0 3 * * *" },
    });
    expect(asAdmin.statusCode).toBe(201);
  });

  const HOSTILE = [
    "' OR '1'='1",
    "'; DROP TABLE jobs; --",
    "1 OR 1=1",
    "1; SELECT pg_sleep(5)",
    '" OR ""="',
    "%' OR 1=1 --",
    "\\'; DELETE FROM schedules; --",
    "\u0000",
    "a\u0000b",
    "😀' UNION SELECT * FROM api_tokens --",
    "9".repeat(40),
    "x".repeat(5000),
  ];

  it("answers hostile strings in every path parameter with 4xx, never 5xx", async () => {
    const routes = apiRoutes(api.app.routeTable).filter((r) => r.url.includes(":"));
    expect(routes.length).toBeGreaterThan(8);
    for (const route of routes) {
      for (const value of HOSTILE) {
        const response = await api.app.inject({
          method: route.method as "GET",
          url: concrete(route.url, value),
          headers: { ...api.auth("admin"), "content-type": "application/json" },
          ...(route.method === "GET" || route.method === "DELETE" ? {} : { payload: "{}" }),
        });
        const label = `${route.method} ${route.url} ${JSON.stringify(value.slice(0, 40))}`;
        expect([label, response.statusCode >= 400 && response.statusCode < 500]).toEqual([label, true]);
      }
    }
  });

  it("answers hostile strings in every filter with 4xx or an empty page, never 5xx, and the tables survive", async () => {
    await api.tf.enqueue("noop", { n: 1 }, { tags: ["nightly"] });
    await api.tf.schedule("nightly-report", { task: "noop", cron: "0 2 * * *" });
    const filters: Record<string, string[]> = {
      "/api/v1/jobs": ["state", "task", "queue", "schedule", "tag", "from", "to", "cursor", "limit"],
      "/api/v1/dead": ["task", "queue", "schedule", "tag", "from", "to", "cursor", "limit"],
      "/api/v1/schedules": ["search", "task", "owner", "cursor", "limit"],
      "/api/v1/audit": ["targetType", "targetId", "actor", "cursor", "limit"],
    };
    for (const [path, names] of Object.entries(filters)) {
      for (const name of names) {
        for (const value of HOSTILE) {
          const url = `${path}?${name}=${encodeURIComponent(value)}`;
          const response = await api.app.inject({ url, headers: api.auth("admin") });
          const label = `${url.slice(0, 80)}`;
          expect([label, response.statusCode < 500]).toEqual([label, true]);
          // A cursor is a position, not a match: any page is right; every other filter matches nothing.
          if (response.statusCode !== 200) expect([label, response.statusCode]).toEqual([label, 400]);
          else if (name !== "cursor") expect([label, itemsOf(response)]).toEqual([label, []]);
        }
      }
    }
    expect((await api.tf.listJobs({ tags: ["nightly"] })).length).toBe(1);
    expect(await api.tf.getSchedule("nightly-report")).not.toBeNull();
    expect((await api.tokens.list()).length).toBeGreaterThanOrEqual(3);
  });

  it("refuses an over-size body with 413 BODY_TOO_LARGE, and writes nothing", async () => {
    const big = JSON.stringify({ task: "noop", payload: "x".repeat(2 * 1024 * 1024) });
    const response = await api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { ...api.auth("operator"), "content-type": "application/json" },
      payload: big,
    });
    expect(response.statusCode).toBe(413);
    expect(errorCode(response)).toBe("BODY_TOO_LARGE");
    expect((await api.tf.listJobs({ task: "noop" })).every((job) => typeof job.payload !== "string")).toBe(
      true,
    );
  });

  it("answers NUL characters and unknown time zones with 400, never 500", async () => {
    const headers = api.auth("admin");
    const cases: [string, string, unknown][] = [
      ["POST", "/api/v1/jobs", { task: "noop", payload: { note: "a\u0000b" } }],
      ["POST", "/api/v1/jobs", { task: "noop", tags: ["a\u0000"] }],
      ["PUT", "/api/v1/schedules/tz-check", { task: "noop", cron: "0 3 * * *", timezone: "Mars/Olympus" }],
      ["PUT", "/api/v1/schedules/tz-check", { task: "noop", cron: "0 3 * * *", timezone: "+05:00" }],
      ["PUT", "/api/v1/schedules/tz-check", { task: "noop", cron: "0 3 *\u0000 * *" }],
      ["PUT", "/api/v1/schedules/tz-check", { task: "noop", cron: "0 3 * * *", payload: "\u0000" }],
      [
        "POST",
        "/api/v1/schedules/preview",
        { schedule: { task: "noop", cron: "0 3 * * *", timezone: "Nowhere/City" } },
      ],
      ["POST", "/api/v1/tokens", { label: "bad\u0000label", role: "viewer" }],
      ["PUT", "/api/v1/schedules/typo", { task: "noop", cron: "0 3 * * *", catchupp: "all" }],
    ];
    for (const [method, url, payload] of cases) {
      const response = await api.app.inject({
        method: method as "POST",
        url,
        headers,
        payload: payload as object,
      });
      const label = `${method} ${url} ${JSON.stringify(payload)}`;
      expect([label, response.statusCode]).toEqual([label, 400]);
      expect(errorCode(response)).toMatch(/^[A-Z_]+$/);
    }
    expect(await api.tf.getSchedule("tz-check")).toBeNull();
    const invalidJson = await api.app.inject({
      method: "POST",
      url: "/api/v1/jobs",
      headers: { ...headers, "content-type": "application/json" },
      payload: '{"task": "noop", ',
    });
    expect(invalidJson.statusCode).toBe(400);
    expect(errorCode(invalidJson)).toBe("INVALID_REQUEST");
  });
});
