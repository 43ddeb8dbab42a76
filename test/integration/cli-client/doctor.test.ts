// `taskflow doctor`: one line (or JSON entry) per check, nothing changed, exit 1 only on a failure.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskFlow } from "../../../src/taskflow.js";
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from "../../support/backends.js";
import { closedPort, listeningApi, type ListeningApi } from "./api-server.js";
import { runCli, type CliResult } from "./run-cli.js";

interface Check {
  check: string;
  status: "ok" | "warn" | "fail" | "skip";
  message: string;
  details?: Record<string, unknown>;
}

function checksOf(result: CliResult): Record<string, Check> {
  const checks = JSON.parse(result.stdout) as Check[];
  expect(checks.map((c) => c.check)).toEqual(["config", "database", "migrations", "clock", "api"]);
  return Object.fromEntries(checks.map((c) => [c.check, c]));
}

describe("taskflow doctor", () => {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-doctor-"));
  const dataDir = join(folder, "data");
  let api: ListeningApi;
  beforeAll(async () => {
    api = await listeningApi();
  });
  afterAll(async () => {
    await api.close();
    rmSync(folder, { recursive: true, force: true });
  });
  const doctor = (args: string[]) => runCli(["doctor", ...args], {}, { cwd: folder });

  it("on a fresh data dir: no database yet, migrations empty, and creates nothing", async () => {
    const result = await doctor(["--data-dir", dataDir, "--url", api.url, "--json"]);
    expect(result.status).toBe(0);
    const checks = checksOf(result);
    expect(checks.config!.status).toBe("skip");
    expect(checks.database).toMatchObject({ status: "warn" });
    expect(checks.migrations).toMatchObject({ status: "warn", details: { state: "empty" } });
    expect(checks.api).toMatchObject({ status: "ok" });
    expect(existsSync(dataDir)).toBe(false);
    const again = await doctor(["--data-dir", dataDir, "--url", api.url, "--json"]);
    expect(checksOf(again).database!.status).toBe("warn");
  });

  it("after one migrate: database reachable and migrations current, in plain lines", async () => {
    expect((await runCli(["migrate", "--data-dir", dataDir])).status).toBe(0);
    const json = checksOf(await doctor(["--data-dir", dataDir, "--url", api.url, "--json"]));
    expect(json.database!.status).toBe("ok");
    expect(json.migrations).toMatchObject({ status: "ok", details: { state: "current", pending: [] } });
    expect(json.clock!.status).toBe("ok");

    const human = await doctor(["--data-dir", dataDir, "--url", api.url]);
    expect(human.status).toBe(0);
    expect(human.stdout).not.toContain("\u001b");
    expect(human.stdout).toMatch(/^ok {4}database {4}embedded PostgreSQL/m);
    expect(human.stdout).toMatch(/^ok {4}migrations {2}current/m);
    expect(human.stdout).toMatch(/^ok {4}api {9}the service at http/m);
  });

  it("says the embedded database is held by a running process rather than failing", async () => {
    const tf = await TaskFlow.create({ dataDir, logger: "silent" });
    try {
      const checks = checksOf(await doctor(["--data-dir", dataDir, "--url", api.url, "--json"]));
      expect(checks.database).toMatchObject({ status: "warn" });
      expect(checks.database!.message).toContain(`in use by process ${process.pid}`);
      expect(checks.migrations!.status).toBe("skip");
    } finally {
      await tf.stop();
    }
  });

  it("fails (exit 1) on an invalid config, an unreachable database or a named service that does not answer", async () => {
    const config = join(folder, "broken.yaml");
    writeFileSync(config, "worker:\n  concurrency: lots\n");
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await doctor([
      "--config",
      config,
      "--database",
      `postgres://nobody@127.0.0.1:${await closedPort()}/x`,
      "--url",
      url,
      "--json",
    ]);
    expect(result.status).toBe(1);
    const checks = checksOf(result);
    expect(checks.config).toMatchObject({ status: "fail" });
    expect((checks.config!.details!.problems as unknown[]).length).toBeGreaterThan(0);
    expect(checks.database!.status).toBe("fail");
    expect(checks.migrations!.status).toBe("skip");
    expect(checks.api).toMatchObject({ status: "fail" });
    expect(checks.api!.message).toContain(url);
  });

  it("reads the store from a valid config file", async () => {
    writeFileSync(join(folder, "taskflow.yaml"), "dataDir: ./data\n");
    try {
      const checks = checksOf(await doctor(["--url", api.url, "--json"]));
      expect(checks.config!.status).toBe("ok");
      expect(checks.database!.message).toContain(dataDir);
      expect(checks.migrations!.status).toBe("ok");
    } finally {
      rmSync(join(folder, "taskflow.yaml"));
    }
  });
});

describe.runIf(TEST_DATABASE_URL !== undefined)("taskflow doctor on PostgreSQL", () => {
  const schema = uniqueSchema("doctor");
  afterAll(async () => {
    await dropSchema(schema);
  });

  it("reports an empty schema, then current migrations and the clock skew after migrate", async () => {
    const url = TEST_DATABASE_URL as string;
    const service = `http://127.0.0.1:${await closedPort()}`;
    const args = ["doctor", "--database", url, "--schema", schema, "--url", service, "--json"];
    const before = checksOf(await runCli(args));
    expect(before.database!.status).toBe("ok");
    expect(before.migrations).toMatchObject({ status: "warn", details: { state: "empty" } });
    expect(before.clock!.status).toBe("ok");
    expect(before.clock!.details).toMatchObject({ skewMs: expect.any(Number) as unknown });

    expect((await runCli(["migrate", "--database", url, "--schema", schema])).status).toBe(0);
    const after = checksOf(await runCli(args));
    expect(after.migrations).toMatchObject({ status: "ok", details: { state: "current" } });
  });
});
