import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/domain/errors.js";
import {
  assertShellEnabled,
  resolveHttpSettings,
  resolveHttpSpec,
  resolveShellSettings,
  resolveShellSpec,
} from "../../../src/executors/index.js";
import { expectInvalidInput } from "../thrown-error.js";

function refusedField(fn: () => unknown): unknown {
  return expectInvalidInput(fn, ErrorCode.InvalidOption).details.option;
}

describe("resolveShellSpec", () => {
  it("accepts an argv command with env, cwd and timeout", () => {
    expect(
      resolveShellSpec({
        command: ["tar", "czf", "/tmp/b.tgz", "/data"],
        env: { A: "b", PORT: 8080 },
        cwd: "/data",
        timeoutMs: 300_000,
      }),
    ).toEqual({
      command: ["tar", "czf", "/tmp/b.tgz", "/data"],
      env: { A: "b", PORT: "8080" },
      cwd: "/data",
      timeoutMs: 300_000,
    });
  });

  it.each([
    [{ command: "tar czf /tmp/b.tgz" }, "command"],
    [{ command: [] }, "command"],
    [{ command: ["ls", 3] }, "command"],
    [{ command: ["ls", "a\0b"] }, "command"],
    [{ command: [""] }, "command"],
    [{}, "command"],
    [{ command: ["ls"], env: { "1A": "x" } }, "env"],
    [{ command: ["ls"], env: { A: { b: 1 } } }, "env"],
    [{ command: ["ls"], env: { A: "x\0" } }, "env"],
    [{ command: ["ls"], env: { TASKFLOW_JOB_ID: "1" } }, "env"],
    [{ command: ["ls"], cwd: "relative/dir" }, "cwd"],
    [{ command: ["ls"], timeoutMs: 0 }, "timeoutMs"],
    [{ command: ["ls"], timeoutMs: "5m" }, "timeoutMs"],
    [{ command: ["ls"], comand: ["ls"] }, "comand"],
    ["ls", "shell"],
  ])("refuses %j naming %s", (raw, option) => {
    expect(refusedField(() => resolveShellSpec(raw))).toBe(option);
  });

  it("suggests sh -c when given a shell string", () => {
    expect(
      expectInvalidInput(() => resolveShellSpec({ command: "ls | wc" }), ErrorCode.InvalidOption).message,
    ).toContain('["sh", "-c", "…"]');
  });
});

describe("shell settings", () => {
  it("are off by default, with the documented defaults", () => {
    expect(resolveShellSettings()).toEqual({
      enabled: false,
      maxOutputBytes: 1024 * 1024,
      inheritEnv: ["PATH", "HOME", "LANG", "TZ"],
      redactEnv: [],
      killGraceMs: 2000,
    });
  });

  it("refuse bad values naming them", () => {
    expect(refusedField(() => resolveShellSettings({ maxOutputBytes: -1 }))).toBe("maxOutputBytes");
    expect(refusedField(() => resolveShellSettings({ inheritEnv: ["A B"] }))).toBe("inheritEnv");
    expect(refusedField(() => resolveShellSettings({ killGraceMs: 1.5 }))).toBe("killGraceMs");
  });

  it("assertShellEnabled refuses unless enabled is true", () => {
    expectInvalidInput(() => assertShellEnabled(undefined), ErrorCode.ShellDisabled);
    expectInvalidInput(() => assertShellEnabled({ enabled: false }), ErrorCode.ShellDisabled);
    expect(() => assertShellEnabled({ enabled: true })).not.toThrow();
  });
});

describe("resolveHttpSpec", () => {
  it("accepts a full spec and normalises the method", () => {
    expect(
      resolveHttpSpec({
        method: "post",
        url: "https://api.example/hooks",
        headers: { Authorization: "Bearer x" },
        body: { a: [1, true, null] },
        expectStatus: [200, 202],
        connectMs: 1000,
        headersMs: 2000,
        totalMs: 3000,
        maxResponseBytes: 4096,
        followRedirects: 2,
      }),
    ).toEqual({
      method: "POST",
      url: "https://api.example/hooks",
      headers: { Authorization: "Bearer x" },
      body: { a: [1, true, null] },
      expectStatus: [200, 202],
      connectMs: 1000,
      headersMs: 2000,
      totalMs: 3000,
      maxResponseBytes: 4096,
      followRedirects: 2,
    });
  });

  it("defaults to GET with no headers", () => {
    expect(resolveHttpSpec({ url: "http://h/" })).toEqual({ method: "GET", url: "http://h/", headers: {} });
  });

  it.each([
    [{ url: "ftp://h/" }, "url"],
    [{ url: "file:///etc/passwd" }, "url"],
    [{ url: "not a url" }, "url"],
    [{ url: "http://user:pw@h/" }, "url"],
    [{}, "url"],
    [{ url: "http://h/", method: "TRACE" }, "method"],
    [{ url: "http://h/", headers: { "Bad Name": "x" } }, "headers"],
    [{ url: "http://h/", headers: { "X-A": "a\r\nInjected: 1" } }, "headers"],
    [{ url: "http://h/", headers: { Host: "other" } }, "headers"],
    [{ url: "http://h/", body: "x" }, "body"],
    [{ url: "http://h/", method: "POST", body: () => 1 }, "body"],
    [{ url: "http://h/", expectStatus: [] }, "expectStatus"],
    [{ url: "http://h/", expectStatus: [700] }, "expectStatus"],
    [{ url: "http://h/", connectMs: 0 }, "connectMs"],
    [{ url: "http://h/", headersMs: -1 }, "headersMs"],
    [{ url: "http://h/", totalMs: "1m" }, "totalMs"],
    [{ url: "http://h/", maxResponseBytes: 0 }, "maxResponseBytes"],
    [{ url: "http://h/", followRedirects: 21 }, "followRedirects"],
    [{ url: "http://h/", timeout: 5 }, "timeout"],
  ])("refuses %j naming %s", (raw, option) => {
    expect(refusedField(() => resolveHttpSpec(raw))).toBe(option);
  });

  it("validates the allow-list of the settings", () => {
    expect(refusedField(() => resolveHttpSettings({ allow: ["nope nope"] }))).toBe("allow");
    expect(resolveHttpSettings().maxResponseBytes).toBe(1024 * 1024);
  });
});
