import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildTaskDefinitions, parseConfig } from "../../../src/config/index.js";
import { ErrorCode } from "../../../src/domain/errors.js";
import type { TaskContext } from "../../../src/domain/task.js";
import { NOW, yaml } from "./config-fixtures.js";

const folder = mkdtempSync(join(tmpdir(), "taskflow-tasks-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

writeFileSync(
  join(folder, "object.mjs"),
  "export default { maxAttempts: 7, timeout: 1000, run: (ctx) => ({ got: ctx.payload }) };\n",
);
writeFileSync(join(folder, "function.mjs"), "export async function build(ctx) { return ctx.attempt; }\n");
writeFileSync(join(folder, "nothing.mjs"), "export const other = 1;\n");
writeFileSync(join(folder, "broken.mjs"), "export default {\n");

function config(...lines: string[]) {
  return parseConfig(yaml(...lines), join(folder, "taskflow.yaml"), {}, { now: NOW });
}

const ctx = (payload: unknown) => ({ payload, attempt: 2 }) as unknown as TaskContext<unknown>;

describe("buildTaskDefinitions", () => {
  it("imports code tasks relative to the file: the file's options, then the module's, then taskDefaults", async () => {
    const definitions = await buildTaskDefinitions(
      config(
        "taskDefaults: { timeout: 1m, maxAttempts: 2, concurrency: 4 }",
        "tasks:",
        "  fromModule: { module: ./object.mjs }",
        "  fromFile: { module: ./object.mjs, maxAttempts: 9, timeout: none, retry: { kind: fixed, delay: 5s } }",
        "  plain: { module: ./function.mjs, export: build }",
      ),
    );
    expect([...definitions.keys()]).toEqual(["fromModule", "fromFile", "plain"]);
    expect(definitions.get("fromModule")).toMatchObject({ maxAttempts: 7, timeout: 1000, concurrency: 4 });
    expect(definitions.get("fromModule")?.retry).toEqual({
      kind: "exponential",
      base: 1000,
      factor: 2,
      cap: 3_600_000,
      jitter: "full",
    });
    const fromFile = definitions.get("fromFile");
    expect(fromFile).toMatchObject({ maxAttempts: 9, retry: { kind: "fixed", delay: 5000 } });
    expect(fromFile).not.toHaveProperty("timeout");
    expect(await fromFile?.run(ctx("hi"))).toEqual({ got: "hi" });
    expect(definitions.get("plain")).toMatchObject({ maxAttempts: 2, timeout: 60_000 });
    expect(await definitions.get("plain")?.run(ctx(null))).toBe(2);
  });

  it("builds shell and HTTP tasks with the executors, the shell's own timeout first", async () => {
    const definitions = await buildTaskDefinitions(
      config(
        "executors: { shell: { enabled: true } }",
        "tasks:",
        "  backup: { shell: { command: [echo, hi], timeout: 1m } }",
        "  ping: { http: { url: http://example.test/ }, maxAttempts: 1 }",
      ),
    );
    expect(definitions.get("backup")).toMatchObject({ timeout: 60_000, maxAttempts: 3 });
    expect(definitions.get("ping")).toMatchObject({ timeout: 300_000, maxAttempts: 1 });
    expect(typeof definitions.get("ping")?.run).toBe("function");
  });

  it("gives tasks of the file a shared concurrency key, its limit, a rate limit and a circuit breaker", async () => {
    const definitions = await buildTaskDefinitions(
      config(
        "tasks:",
        "  exportA: { module: ./function.mjs, export: build, concurrencyKey: warehouse, concurrencyKeyLimit: 2 }",
        "  callPartner: { module: ./object.mjs, rateLimit: { max: 10, per: 1m } }",
        "  guarded: { module: ./object.mjs, circuitBreaker: { consecutiveFailures: 3, openFor: 2m } }",
      ),
    );
    const exportA = definitions.get("exportA");
    expect(exportA?.concurrencyKey?.({ any: "payload" })).toBe("warehouse");
    expect(exportA?.concurrencyKeyLimit).toBe(2);
    expect(exportA).not.toHaveProperty("rateLimit");
    expect(definitions.get("callPartner")?.rateLimit).toEqual({ max: 10, per: 60_000 });
    expect(definitions.get("callPartner")).not.toHaveProperty("concurrencyKey");
    expect(definitions.get("guarded")?.circuitBreaker).toEqual({ consecutiveFailures: 3, openFor: 120_000 });
    expect(definitions.get("callPartner")).not.toHaveProperty("circuitBreaker");
  });

  it("names the task whose module does not export a task", async () => {
    await expect(
      buildTaskDefinitions(config("tasks:", "  report: { module: ./nothing.mjs }")),
    ).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      details: { task: "report" },
      message: expect.stringMatching(
        /^task "report": .*nothing\.mjs must export by default a task/,
      ) as unknown,
    });
  });

  it("names the task whose module cannot be imported", async () => {
    await expect(
      buildTaskDefinitions(config("tasks:", "  report: { module: ./broken.mjs }")),
    ).rejects.toMatchObject({
      code: ErrorCode.ConfigInvalid,
      message: expect.stringMatching(/^task "report": cannot import .*broken\.mjs/) as unknown,
    });
  });
});
