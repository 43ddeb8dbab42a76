import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TaskFlow } from "../../src/index.js";
import { eventually } from "../support/backends.js";

const CLI = ["--import", "tsx", new URL("../../src/cli/main.ts", import.meta.url).pathname];
const EXAMPLE = new URL("../../examples/tasks.mjs", import.meta.url).pathname;

function run(args: string[]) {
  return spawnSync(process.execPath, [...CLI, ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("taskflow CLI", () => {
  const folder = mkdtempSync(join(tmpdir(), "taskflow-cli-"));
  const dataDir = join(folder, "data");
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(folder, { recursive: true, force: true });
  });

  it("explains itself with examples and exit codes", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("taskflow start --tasks");
    expect(help.stdout).toContain("Exit codes");
    expect(run(["start", "--help"]).stdout).toContain("SIGTERM");
  });

  it("refuses bad input with a stable code and exit code 2, and an unreachable database with 3", () => {
    const badUrl = run(["migrate", "--database", "mysql://localhost/x"]);
    expect(badUrl.status).toBe(2);
    expect(badUrl.stderr).toContain("error INVALID_DATABASE_URL");
    const unreachable = run(["migrate", "--database", "postgres://nobody@127.0.0.1:1/x"]);
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toContain("error DATABASE_UNAVAILABLE");
    const badPayload = run(["enqueue", "hello", "{not json", "--data-dir", join(folder, "other")]);
    expect(badPayload.status).toBe(2);
    expect(badPayload.stderr).toContain("error INVALID_PAYLOAD");
  });

  it("runs the example task on the embedded database, refuses a second process, and stops cleanly on SIGTERM", async () => {
    const node = spawn(
      process.execPath,
      [...CLI, "start", "--tasks", EXAMPLE, "--data-dir", dataDir, "--port", "0", "--log-level", "info"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(node);
    let stderr = "";
    let stdout = "";
    node.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    node.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    await eventually(() => stderr.includes("TaskFlow is running"), 60_000, "the node to start");
    expect(stderr).toMatch(/tasks: +hello/);
    await eventually(() => stdout.includes('"msg":"hello, TaskFlow"'), 30_000, "the example job to run");

    const second = run(["enqueue", "hello", "{}", "--data-dir", dataDir]);
    expect(second.status).toBe(3);
    expect(second.stderr).toContain("is in use by process");

    const exited = new Promise<number | null>((resolve) => node.on("exit", (code) => resolve(code)));
    node.kill("SIGTERM");
    expect(await exited).toBe(0);

    const tf = await TaskFlow.create({ dataDir, logger: "silent" });
    try {
      const [job] = await tf.listJobs({ task: "hello" });
      expect(job).toMatchObject({ state: "succeeded", result: { greeted: "TaskFlow" } });
      expect(await tf.jobLogs(job!.id)).toMatchObject([{ level: "info", message: "hello, TaskFlow" }]);
    } finally {
      await tf.stop();
    }
  });
});
