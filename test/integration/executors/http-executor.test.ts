import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode, JobCancelledError, PermanentError, TaskFlowError } from "../../../src/domain/errors.js";
import { httpTask, type HttpExecutorSettings, type HttpJobSpec } from "../../../src/executors/index.js";
import { rejectionOf, runTask, startServer, unacceptingPort, type TestServer } from "./executor-support.js";

describe("HTTP executor", () => {
  const servers: TestServer[] = [];
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  async function server(handler: Parameters<typeof startServer>[0], host?: string): Promise<TestServer> {
    const started = await startServer(handler, host);
    servers.push(started);
    return started;
  }
  const allowing = (...servers: TestServer[]): HttpExecutorSettings => ({
    allow: servers.map((s) => `127.0.0.1:${s.port}`),
  });
  const run = (spec: HttpJobSpec, settings: HttpExecutorSettings, signal?: AbortSignal) =>
    runTask(httpTask(spec, settings), signal === undefined ? {} : { signal });

  it("sends the request and stores status, kept headers, body and duration", async () => {
    const s = await server((_, res) => {
      res.setHeader("content-type", "text/plain");
      res.setHeader("x-other", "dropped");
      res.end("healthy");
    });
    const { result, logs } = run({ url: `http://127.0.0.1:${s.port}/healthz` }, allowing(s));
    const done = await result;
    expect(done).toMatchObject({
      status: 200,
      headers: { "content-type": "text/plain", "content-length": "7" },
      body: "healthy",
      truncated: false,
    });
    expect(Object.keys(done.headers).sort()).toEqual(["content-length", "content-type"]);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({
      level: "info",
      message: `GET http://127.0.0.1:${s.port}/healthz → 200`,
      data: { method: "GET", status: 200 },
    });
  });

  it("sends a JSON body as application/json and a string body as it is", async () => {
    const s = await server((_, res) => res.end());
    await run({ method: "POST", url: `http://127.0.0.1:${s.port}/a`, body: { n: [1, 2] } }, allowing(s))
      .result;
    await run(
      {
        method: "PUT",
        url: `http://127.0.0.1:${s.port}/b`,
        body: "raw",
        headers: { "content-type": "text/csv" },
      },
      allowing(s),
    ).result;
    expect(s.requests.map((r) => [r.method, r.url, r.headers["content-type"], r.body])).toEqual([
      ["POST", "/a", "application/json", '{"n":[1,2]}'],
      ["PUT", "/b", "text/csv", "raw"],
    ]);
  });

  it("fails with HTTP_UNEXPECTED_STATUS quoting the status and the start of the body", async () => {
    const s = await server((_, res) => {
      res.statusCode = 503;
      res.end("database unavailable");
    });
    const error = await rejectionOf(run({ url: `http://127.0.0.1:${s.port}/` }, allowing(s)).result);
    expect(error).toBeInstanceOf(TaskFlowError);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: ErrorCode.HttpUnexpectedStatus, details: { status: 503 } });
    expect((error as Error).message).toContain(
      "answered 503, expected 2xx; body starts: database unavailable",
    );
  });

  it("accepts the statuses listed in expectStatus", async () => {
    const s = await server((_, res) => {
      res.statusCode = 404;
      res.end();
    });
    expect(
      (await run({ url: `http://127.0.0.1:${s.port}/`, expectStatus: [404] }, allowing(s)).result).status,
    ).toBe(404);
    const error = await rejectionOf(
      run({ url: `http://127.0.0.1:${s.port}/`, expectStatus: [200] }, allowing(s)).result,
    );
    expect((error as Error).message).toContain("expected 200");
  });

  it("stops reading the response at maxResponseBytes and marks it truncated", async () => {
    const s = await server((_, res) => {
      const chunk = "x".repeat(64 * 1024);
      let sent = 0;
      const write = () => {
        while (sent < 80 && res.write(chunk)) sent++;
        if (sent < 80) res.once("drain", write);
        else res.end();
      };
      write();
    });
    const done = await run({ url: `http://127.0.0.1:${s.port}/`, maxResponseBytes: 1000 }, allowing(s))
      .result;
    expect(done).toMatchObject({ status: 200, truncated: true });
    expect(done.body).toBe("x".repeat(1000));
    const settingsCap = await run(
      { url: `http://127.0.0.1:${s.port}/` },
      { ...allowing(s), maxResponseBytes: 10 },
    ).result;
    expect(settingsCap.body).toBe("x".repeat(10));
  });

  it("times out waiting for response headers (headersMs)", async () => {
    const s = await server(() => undefined);
    const error = await rejectionOf(
      run({ url: `http://127.0.0.1:${s.port}/`, headersMs: 200 }, allowing(s)).result,
    );
    expect(error).toMatchObject({ code: ErrorCode.HttpTimeout, details: { timeout: "headersMs", ms: 200 } });
    expect((error as Error).message).toContain("no response headers within headersMs (200 ms)");
  });

  it("times out on the whole exchange when the body trickles (totalMs)", async () => {
    const s = await server((_, res) => {
      res.write("a");
      const timer = setInterval(() => res.write("a"), 50);
      res.on("close", () => clearInterval(timer));
    });
    const error = await rejectionOf(
      run({ url: `http://127.0.0.1:${s.port}/`, totalMs: 300 }, allowing(s)).result,
    );
    expect(error).toMatchObject({ code: ErrorCode.HttpTimeout, details: { timeout: "totalMs", ms: 300 } });
  });

  it("times out opening the connection (connectMs)", async () => {
    const target = await unacceptingPort();
    cleanups.push(() => target.close());
    const error = await rejectionOf(
      run(
        { url: `http://127.0.0.1:${target.port}/`, connectMs: 200 },
        { allow: [`127.0.0.1:${target.port}`] },
      ).result,
    );
    expect(error).toMatchObject({ code: ErrorCode.HttpTimeout, details: { timeout: "connectMs", ms: 200 } });
  });

  it("fails with HTTP_FAILED when nothing listens", async () => {
    const s = await server(() => undefined);
    const port = s.port;
    await s.close();
    servers.pop();
    const error = await rejectionOf(
      run({ url: `http://127.0.0.1:${port}/` }, { allow: [`127.0.0.1:${port}`] }).result,
    );
    expect(error).toMatchObject({ code: ErrorCode.HttpFailed, details: { errno: "ECONNREFUSED" } });
  });

  it("aborts the request when the attempt's signal fires", async () => {
    const s = await server(() => undefined);
    const controller = new AbortController();
    const { result } = run({ url: `http://127.0.0.1:${s.port}/` }, allowing(s), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const reason = new JobCancelledError();
    controller.abort(reason);
    expect(await rejectionOf(result)).toBe(reason);
  });

  describe("redirects", () => {
    it("are not followed by default: a 3xx is just a status", async () => {
      const s = await server((_, res) => {
        res.statusCode = 302;
        res.setHeader("location", "/elsewhere");
        res.end();
      });
      const error = await rejectionOf(run({ url: `http://127.0.0.1:${s.port}/` }, allowing(s)).result);
      expect(error).toMatchObject({ code: ErrorCode.HttpUnexpectedStatus, details: { status: 302 } });
      const done = await run({ url: `http://127.0.0.1:${s.port}/`, expectStatus: [302] }, allowing(s)).result;
      expect(done).toMatchObject({ status: 302, headers: { location: "/elsewhere" } });
      expect(s.requests.map((r) => r.url)).toEqual(["/", "/"]);
    });

    it("are followed up to followRedirects, dropping credentials on a cross-origin hop", async () => {
      const b = await server((req, res) => res.end(`b saw ${req.headers.authorization ?? "no auth"}`));
      const a = await server((req, res) => {
        res.statusCode = req.url === "/start" ? 307 : 302;
        res.setHeader("location", req.url === "/start" ? "/same-origin" : `http://127.0.0.1:${b.port}/end`);
        res.end();
      });
      const spec: HttpJobSpec = {
        url: `http://127.0.0.1:${a.port}/start`,
        headers: { authorization: "Bearer s3cr3t-token", cookie: "sid=abcdef" },
        followRedirects: 2,
      };
      const { result, logs } = run(spec, allowing(a, b));
      expect((await result).body).toBe("b saw no auth");
      expect(a.requests.map((r) => [r.url, r.headers.authorization])).toEqual([
        ["/start", "Bearer s3cr3t-token"],
        ["/same-origin", "Bearer s3cr3t-token"],
      ]);
      expect(b.requests[0]?.headers.cookie).toBeUndefined();
      expect(logs.map((line) => line.message)).toEqual([
        `GET http://127.0.0.1:${a.port}/start → 307`,
        `GET http://127.0.0.1:${a.port}/same-origin → 302`,
        `GET http://127.0.0.1:${b.port}/end → 200`,
      ]);
      const tooFew = await rejectionOf(run({ ...spec, followRedirects: 1 }, allowing(a, b)).result);
      expect(tooFew).toMatchObject({ code: ErrorCode.HttpFailed });
      expect((tooFew as Error).message).toContain("redirected more than 1 times");
    });

    it("re-check every hop: a redirect to a loopback port that is not allow-listed is refused", async () => {
      const b = await server((_, res) => res.end("internal"));
      const a = await server((_, res) => {
        res.statusCode = 302;
        res.setHeader("location", `http://127.0.0.1:${b.port}/admin`);
        res.end();
      });
      const error = await rejectionOf(
        run({ url: `http://127.0.0.1:${a.port}/`, followRedirects: 3 }, allowing(a)).result,
      );
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ code: ErrorCode.HttpTargetForbidden, details: { reason: "loopback" } });
      expect(a.requests).toHaveLength(1);
      expect(b.requests).toHaveLength(0);
    });
  });

  describe("SSRF guard", () => {
    it.each([
      ["http://127.0.0.1:PORT/", "loopback"],
      ["http://[::ffff:127.0.0.1]:PORT/", "loopback"],
      ["http://localhost:PORT/", "loopback"],
      ["http://169.254.169.254/latest/meta-data/", "cloud metadata"],
      ["http://10.0.0.1/", "private"],
      ["http://0.0.0.0:PORT/", "unspecified"],
    ])("refuses %s (%s) before connecting, unless allow-listed", async (template, reason) => {
      const s = await server((_, res) => res.end("secret"));
      const url = template.replace("PORT", String(s.port));
      const { result, logs } = run({ url }, {});
      const error = await rejectionOf(result);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ code: ErrorCode.HttpTargetForbidden, details: { reason } });
      expect((error as Error).message).toContain(reason);
      expect((error as Error).message).toContain("executors.http.allow");
      expect(s.requests).toHaveLength(0);
      expect(logs).toMatchObject([{ level: "warn", data: { error: ErrorCode.HttpTargetForbidden } }]);
    });

    it("refuses IPv6 loopback, and allows it when listed", async () => {
      const s = await server((_, res) => res.end("v6"), "::1");
      const error = await rejectionOf(run({ url: `http://[::1]:${s.port}/` }, {}).result);
      expect(error).toMatchObject({ code: ErrorCode.HttpTargetForbidden, details: { reason: "loopback" } });
      expect(s.requests).toHaveLength(0);
      expect(
        (await run({ url: `http://[::1]:${s.port}/` }, { allow: [`[::1]:${s.port}`] }).result).body,
      ).toBe("v6");
    });

    it("names the host and the address a name resolved to", async () => {
      const s = await server((_, res) => res.end());
      const error = await rejectionOf(run({ url: `http://localhost:${s.port}/` }, {}).result);
      expect((error as Error).message).toMatch(
        /localhost resolves to (127\.0\.0\.1|::1), a loopback address/,
      );
      expect((error as Error).message).toContain(`"localhost:${s.port}"`);
    });

    it("lets allow-listed loopback targets through, by address or by name", async () => {
      const s = await server((_, res) => res.end("ok"));
      expect((await run({ url: `http://127.0.0.1:${s.port}/` }, allowing(s)).result).body).toBe("ok");
      expect(
        (await run({ url: `http://localhost:${s.port}/` }, { allow: [`localhost:${s.port}`] }).result).body,
      ).toBe("ok");
      const wrongPort = await rejectionOf(
        run({ url: `http://127.0.0.1:${s.port}/` }, { allow: ["127.0.0.1:1"] }).result,
      );
      expect(wrongPort).toMatchObject({ code: ErrorCode.HttpTargetForbidden });
      expect(s.requests).toHaveLength(2);
    });
  });

  it("redacts credentials from stored logs, results and errors", async () => {
    const s = await server((req, res) => {
      res.statusCode = req.url?.startsWith("/fail") ? 401 : 200;
      res.end(`you sent ${req.headers.authorization ?? ""} and ${String(req.headers["x-api-key"])}`);
    });
    const spec: HttpJobSpec = {
      url: `http://127.0.0.1:${s.port}/ok?token=query-secret-1&page=2`,
      headers: { Authorization: "Bearer header-secret-2", "X-Api-Key": "key-secret-3", Accept: "text/plain" },
    };
    const ok = run(spec, allowing(s));
    expect((await ok.result).body).toBe("you sent [REDACTED] and [REDACTED]");
    expect(ok.logs[0]?.data).toMatchObject({
      url: `http://127.0.0.1:${s.port}/ok?token=[REDACTED]&page=2`,
      headers: { Authorization: "[REDACTED]", "X-Api-Key": "[REDACTED]", Accept: "text/plain" },
    });
    const failing = run(
      { ...spec, url: `http://127.0.0.1:${s.port}/fail?token=query-secret-1` },
      allowing(s),
    );
    const error = (await rejectionOf(failing.result)) as Error;
    expect(error.message).toContain("you sent [REDACTED] and [REDACTED]");
    expect(JSON.stringify([ok.logs, failing.logs, error.message])).not.toMatch(/secret-\d/);
  });
});
