import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// config-cli.ts registers the verb on a program the way src/cli/main.ts does.
const CLI = ["--import", "tsx", new URL("./config-cli.ts", import.meta.url).pathname];
const EXAMPLE = new URL("../../../examples/taskflow.yaml", import.meta.url).pathname;

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [...CLI, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env.PATH, ...env },
  });
}

describe("taskflow config validate", () => {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-config-cli-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  const invalid = join(folder, "taskflow.yaml");
  writeFileSync(
    invalid,
    [
      "tasks:",
      "  ping: { http: { url: http://127.0.0.1:8080/healthz } }",
      "schedules:",
      "  - { id: a, task: ping, every: 30s }",
      '  - { id: b, task: ping, cron: "0 3 * *" }',
      "  - { id: c, task: pong, every: 1m }",
    ].join("\n"),
  );

  it("says a valid file is valid, with its counts, and exits 0", () => {
    const result = run(["config", "validate", "--config", EXAMPLE]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^taskflow\.yaml is valid: 3 tasks, \d+ schedules\n$/);
  });

  it("lists each problem with its line and column and exits 2", () => {
    const result = run(["config", "validate", "--config", invalid]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error CONFIG_INVALID: taskflow.yaml is not valid (2 problems)");
    expect(result.stderr).toContain(
      "taskflow.yaml:5:32 schedules[1].cron: invalid cron expression '0 3 * *'",
    );
    expect(result.stderr).toContain('taskflow.yaml:6:20 schedules[2].task: unknown task "pong"');
  });

  it("prints the problems as JSON with --json", () => {
    const result = run(["config", "validate", "--config", invalid, "--json"]);
    expect(result.status).toBe(2);
    const output = JSON.parse(result.stdout) as { valid: boolean; code: string; problems: unknown[] };
    expect(output).toMatchObject({
      valid: false,
      code: "CONFIG_INVALID",
      problems: [
        { path: "schedules[1].cron", line: 5, column: 32 },
        { path: "schedules[2].task", line: 6, column: 20 },
      ],
    });
    const valid = JSON.parse(run(["config", "validate", "--config", EXAMPLE, "--json"]).stdout) as unknown;
    expect(valid).toMatchObject({ valid: true, tasks: 3 });
  });

  it("reads the file TASKFLOW_CONFIG names by default, and exits 2 when it is missing", () => {
    expect(run(["config", "validate"], { TASKFLOW_CONFIG: EXAMPLE }).status).toBe(0);
    const missing = run(["config", "validate"], { TASKFLOW_CONFIG: join(folder, "nope.yaml") });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("error CONFIG_NOT_FOUND");
  });

  it("explains itself with an example", () => {
    const help = run(["config", "validate", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("taskflow config validate --config");
    expect(help.stdout).toContain("TASKFLOW_CONFIG");
  });
});
