import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema, loadConfig, parseConfig } from "../../../src/config/index.js";
import { ErrorCode } from "../../../src/domain/errors.js";
import {
  DEFAULT_CONNECT_MS,
  DEFAULT_HEADERS_MS,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_TOTAL_MS,
  resolveShellSettings,
} from "../../../src/executors/index.js";
import { NOW, parse, SOURCE, yaml } from "./config-fixtures.js";

const SAMPLE = yaml(
  "database: ${DATABASE_URL:-}",
  "dataDir: ./.taskflow",
  "server: { host: 0.0.0.0, port: 9090, bodyLimit: 512kb }",
  "worker: { concurrency: 4, queues: [default, reports] }",
  "retention: { finishedJobs: 3d }",
  "executors:",
  "  shell: { enabled: true, maxOutputBytes: 64kb, redactEnv: [DB_PASS], killGrace: 5s }",
  '  http: { allow: ["127.0.0.1:8080"], timeouts: { connect: 2s, total: 20s } }',
  "taskDefaults: { timeout: 2m, maxAttempts: 5, retry: { kind: fixed, delay: 10s } }",
  'calendars: { holidays: ["2030-12-25", { from: "2030-12-31", to: "2031-01-01" }] }',
  "tasks:",
  "  report: { module: ./tasks/report.mjs, timeout: 30s, concurrency: 1 }",
  '  backup: { shell: { command: [sh, -c, "echo backing up"], env: { A: b }, cwd: ., timeout: 1m } }',
  '  ping: { http: { method: GET, url: "http://127.0.0.1:8080/healthz", expectStatus: [200] } }',
  "schedules:",
  '  - { id: nightly-backup, task: backup, cron: "0 3 * * *", timezone: Europe/Paris, calendars: [holidays] }',
  "  - { id: ping-every-30s, task: ping, every: 30s, overlap: skip }",
);

describe("parseConfig", () => {
  it("fills every default in for an empty file", () => {
    const config = parse("");
    expect(config).toEqual({
      sourcePath: SOURCE,
      alerts: {},
      database: null,
      dataDir: "/srv/app/.taskflow/data",
      schema: "taskflow",
      server: { host: "127.0.0.1", port: 8080, bodyLimitBytes: 1024 * 1024, trustProxy: false },
      worker: { concurrency: 10, queues: null, leaseDurationMs: 30_000, drainTimeoutMs: 10_000 },
      retention: { finishedJobsMs: 7 * 86_400_000 },
      executors: {
        shell: {
          enabled: false,
          maxOutputBytes: 1024 * 1024,
          inheritEnv: ["PATH", "HOME", "LANG", "TZ"],
          redactEnv: [],
          killGraceMs: 2000,
        },
        http: {
          allow: [],
          maxResponseBytes: 1024 * 1024,
          timeouts: { connectMs: 10_000, headersMs: 30_000, totalMs: 60_000 },
        },
      },
      taskDefaults: {
        timeoutMs: 300_000,
        maxAttempts: 3,
        retry: { kind: "exponential", baseMs: 1000, factor: 2, capMs: 3_600_000, jitter: "full" },
        concurrency: null,
      },
      calendars: [],
      tasks: [],
      externalTasks: [],
      schedules: [],
    });
  });

  it("has the executors' own defaults", () => {
    const { shell, http } = parse("").executors;
    expect(shell).toEqual(resolveShellSettings({}));
    expect(http.maxResponseBytes).toBe(DEFAULT_MAX_RESPONSE_BYTES);
    expect(http.timeouts).toEqual({
      connectMs: DEFAULT_CONNECT_MS,
      headersMs: DEFAULT_HEADERS_MS,
      totalMs: DEFAULT_TOTAL_MS,
    });
  });

  it("reads sections whose lines are all commented out as absent", () => {
    expect(parse(yaml("server:", "  # port: 1", "tasks:", "schedules:")).server.port).toBe(8080);
  });

  it("resolves a full file: durations in ms, sizes in bytes, paths against the file's folder", () => {
    const config = parse(SAMPLE);
    expect(config).toMatchObject({
      database: null,
      dataDir: "/srv/app/.taskflow",
      server: { host: "0.0.0.0", port: 9090, bodyLimitBytes: 512 * 1024 },
      worker: { concurrency: 4, queues: ["default", "reports"] },
      retention: { finishedJobsMs: 3 * 86_400_000 },
      executors: {
        shell: { enabled: true, maxOutputBytes: 64 * 1024, redactEnv: ["DB_PASS"], killGraceMs: 5000 },
        http: {
          allow: ["127.0.0.1:8080"],
          timeouts: { connectMs: 2000, headersMs: 30_000, totalMs: 20_000 },
        },
      },
      taskDefaults: { timeoutMs: 120_000, maxAttempts: 5, retry: { kind: "fixed", delayMs: 10_000 } },
      calendars: [
        {
          name: "holidays",
          ranges: [
            { from: "2030-12-25", to: "2030-12-25" },
            { from: "2030-12-31", to: "2031-01-01" },
          ],
        },
      ],
    });
    expect(config.tasks).toEqual([
      {
        name: "report",
        kind: "code",
        module: "/srv/app/tasks/report.mjs",
        export: "default",
        options: { timeoutMs: 30_000, concurrency: 1 },
      },
      {
        name: "backup",
        kind: "shell",
        shell: {
          command: ["sh", "-c", "echo backing up"],
          env: { A: "b" },
          cwd: "/srv/app",
          timeoutMs: 60_000,
        },
        options: {},
      },
      {
        name: "ping",
        kind: "http",
        http: {
          method: "GET",
          url: "http://127.0.0.1:8080/healthz",
          headers: {},
          expectStatus: [200],
          connectMs: 2000,
          headersMs: 30_000,
          totalMs: 20_000,
        },
        options: {},
      },
    ]);
    // Specs stay as written, so the engine's "unchanged" check matches what the API would send.
    expect(config.schedules).toEqual([
      {
        id: "nightly-backup",
        spec: { task: "backup", cron: "0 3 * * *", timezone: "Europe/Paris", calendars: ["holidays"] },
      },
      { id: "ping-every-30s", spec: { task: "ping", every: "30s", overlap: "skip" } },
    ]);
  });

  it("takes a PostgreSQL URL from the environment, and keeps finished jobs for ever on false", () => {
    const config = parse(yaml("database: ${DATABASE_URL:-}", "retention: { finishedJobs: false }"), {
      DATABASE_URL: "postgres://app@db:5432/app",
    });
    expect(config.database).toBe("postgres://app@db:5432/app");
    expect(config.retention.finishedJobsMs).toBeNull();
  });

  it("lets schedules name tasks other processes register when listed in externalTasks", () => {
    const config = parse(
      yaml(
        "externalTasks: [send-invoices]",
        "schedules:",
        "  - { id: invoices, task: send-invoices, every: 1h }",
      ),
    );
    expect(config.externalTasks).toEqual(["send-invoices"]);
    expect(config.schedules).toHaveLength(1);
  });

  it("accepts timeout: none to lift the default time limit", () => {
    const config = parse(
      yaml("taskDefaults: { timeout: none }", "tasks:", "  t: { module: ./t.mjs, timeout: none }"),
    );
    expect(config.taskDefaults.timeoutMs).toBeNull();
    expect(config.tasks[0]?.options).toEqual({ timeoutMs: null });
  });
});

describe("configJsonSchema", () => {
  it("is plain JSON schema that refuses unknown fields and documents defaults", () => {
    const json = JSON.parse(JSON.stringify(configJsonSchema)) as Record<string, unknown>;
    expect(json).toEqual(configJsonSchema);
    expect(json.additionalProperties).toBe(false);
    expect(JSON.stringify(json)).not.toContain("errorMessage");
    expect(json).toMatchObject({
      properties: {
        server: { properties: { port: { default: 8080 } } },
        dataDir: { default: "./.taskflow/data" },
      },
    });
  });
});

describe("loadConfig", () => {
  it("reads the example taskflow.yaml of the repository as valid", async () => {
    const path = new URL("../../../examples/taskflow.yaml", import.meta.url).pathname;
    const config = await loadConfig(path, {});
    expect(config.tasks.map((task) => task.kind).sort()).toEqual(["code", "http", "shell"]);
    expect(config.schedules.length).toBeGreaterThanOrEqual(3);
  });

  it("says CONFIG_NOT_FOUND for a missing file", async () => {
    await expect(loadConfig("/nonexistent/taskflow.yaml", {})).rejects.toMatchObject({
      code: ErrorCode.ConfigNotFound,
    });
  });

  it("refuses a code task whose module file does not exist, at its module line", async () => {
    const folder = await mkdtemp(join(tmpdir(), "taskflow-config-"));
    try {
      await writeFile(
        join(folder, "taskflow.yaml"),
        yaml("tasks:", "  report:", "    module: ./missing.mjs"),
      );
      await expect(loadConfig(join(folder, "taskflow.yaml"), {})).rejects.toMatchObject({
        code: ErrorCode.ConfigInvalid,
        details: { problems: [{ path: "tasks.report.module", line: 3, column: 13 }] },
      });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("checks schedules against the time it is given", () => {
    // An `at` in the past of `now` is allowed by the engine; a cron that never fires is not.
    const text = yaml("externalTasks: [t]", "schedules:", '  - { id: x, task: t, cron: "0 0 30 2 *" }');
    expect(() => parseConfig(text, SOURCE, {}, { now: NOW })).toThrow(/never fires/);
  });
});
