import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode, JobTimeoutError, PermanentError, TaskFlowError } from "../../../src/domain/errors.js";
import { createShellTask, shellTask, type ShellExecutorSettings } from "../../../src/executors/index.js";
import { processesWith, rejectionOf, runTask, uniqueSleep as newSleep, waitFor } from "./executor-support.js";

const enabled: ShellExecutorSettings = { enabled: true };

describe("shell executor", () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), "taskflow-shell-"));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  // If a test fails half-way, its processes must not outlive it.
  const markers: string[] = [];
  const uniqueSleep = () => {
    const marker = newSleep();
    markers.push(marker);
    return marker;
  };
  afterEach(() => {
    for (const marker of markers.splice(0)) {
      for (const pid of processesWith(marker)) process.kill(pid, "SIGKILL");
    }
  });

  it("runs an argv command and stores its exit code, both streams and its duration", async () => {
    const task = shellTask({ command: ["sh", "-c", "echo out; echo err >&2; printf 'last'"] }, enabled);
    const { result, logs } = runTask(task);
    const done = await result;
    expect(done).toMatchObject({
      exitCode: 0,
      stdout: "out\nlast",
      stderr: "err\n",
      stdoutTruncated: false,
      stderrTruncated: false,
    });
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(logs).toEqual([
      { level: "info", message: "stdout", data: { text: "out\nlast" } },
      { level: "info", message: "stderr", data: { text: "err\n" } },
    ]);
  });

  it("passes arguments as they are, without a shell interpreting them", async () => {
    const task = shellTask({ command: ["printf", "%s|", "$HOME", "a b", "*", "; rm -rf /"] }, enabled);
    expect((await runTask(task).result).stdout).toBe("$HOME|a b|*|; rm -rf /|");
  });

  it("gives the child only the inherited variables, the spec's, and the job's", async () => {
    process.env.TASKFLOW_TEST_PARENT_ONLY = "parent value";
    try {
      const task = shellTask(
        { command: ["env"], env: { GREETING: "hi" } },
        { enabled: true, inheritEnv: ["PATH"] },
      );
      const { stdout } = await runTask(task, { payload: { n: 1 }, jobId: "77", attempt: 2 }).result;
      const env = Object.fromEntries(
        stdout
          .trim()
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      expect(env).toEqual({
        PATH: process.env.PATH,
        GREETING: "hi",
        TASKFLOW_JOB_ID: "77",
        TASKFLOW_ATTEMPT: "2",
        TASKFLOW_PAYLOAD: '{"n":1}',
      });
    } finally {
      delete process.env.TASKFLOW_TEST_PARENT_ONLY;
    }
  });

  it("runs in the spec's working directory, and fails clearly when it is missing", async () => {
    expect((await runTask(shellTask({ command: ["pwd"], cwd: folder }, enabled)).result).stdout).toBe(
      `${folder}\n`,
    );
    const error = await rejectionOf(
      runTask(shellTask({ command: ["pwd"], cwd: join(folder, "gone") }, enabled)).result,
    );
    expect(error).toMatchObject({ code: ErrorCode.ShellFailed });
    expect((error as Error).message).toContain(`${join(folder, "gone")} does not exist`);
  });

  it("fails with SHELL_FAILED when the program does not exist", async () => {
    const error = await rejectionOf(runTask(shellTask({ command: ["no-such-program-xyz"] }, enabled)).result);
    expect(error).toMatchObject({ code: ErrorCode.ShellFailed });
    expect((error as Error).message).toContain("not found");
  });

  it("fails with SHELL_FAILED, the exit code and the last lines of stderr on a non-zero exit", async () => {
    const task = shellTask(
      { command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line$i >&2; done; exit 3"] },
      enabled,
    );
    const { result, logs } = runTask(task);
    const error = await rejectionOf(result);
    expect(error).toBeInstanceOf(TaskFlowError);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: ErrorCode.ShellFailed, details: { exitCode: 3, signal: null } });
    const message = (error as Error).message;
    expect(message).toContain('command "sh" exited with code 3');
    expect(message).toContain("line12");
    expect(message).not.toContain("line2\n");
    expect(logs.map((line) => line.message)).toEqual(["stderr"]);
  });

  it("reports the signal that killed the command", async () => {
    const error = await rejectionOf(
      runTask(shellTask({ command: ["sh", "-c", "kill -KILL $$"] }, enabled)).result,
    );
    expect(error).toMatchObject({
      code: ErrorCode.ShellFailed,
      details: { exitCode: null, signal: "SIGKILL" },
    });
    expect((error as Error).message).toContain("killed by signal SIGKILL");
  });

  it("kills the whole process group when the attempt times out, leaving nothing behind", async () => {
    const sleep = uniqueSleep();
    const controller = new AbortController();
    const task = shellTask({ command: ["sh", "-c", `sleep ${sleep} & sleep ${sleep}`] }, enabled);
    const { result } = runTask(task, { signal: controller.signal });
    await waitFor(() => processesWith(`sleep ${sleep}`).length >= 2, "both sleeps running");
    const reason = new JobTimeoutError(5000);
    controller.abort(reason);
    expect(await rejectionOf(result)).toBe(reason);
    expect(processesWith(`sleep ${sleep}`)).toEqual([]);
  });

  it("kills what the command left running in the background after it exits", async () => {
    const sleep = uniqueSleep();
    const task = shellTask({ command: ["sh", "-c", `sleep ${sleep} & echo started; exit 0`] }, enabled);
    const { result, logs } = runTask(task);
    expect(await result).toMatchObject({ exitCode: 0, stdout: "started\n" });
    expect(processesWith(`sleep ${sleep}`)).toEqual([]);
    expect(logs.some((line) => line.level === "warn" && line.message.includes("left running"))).toBe(true);
  });

  it("sends SIGKILL after the grace period to processes that ignore SIGTERM", async () => {
    const sleep = uniqueSleep();
    const controller = new AbortController();
    const task = shellTask(
      { command: ["sh", "-c", `trap '' TERM; sleep ${sleep} & sleep ${sleep}; echo survived`] },
      { enabled: true, killGraceMs: 300 },
    );
    const { result } = runTask(task, { signal: controller.signal });
    await waitFor(() => processesWith(`sleep ${sleep}`).length >= 2, "both sleeps running");
    const abortedAt = Date.now();
    controller.abort(new JobTimeoutError(1));
    await rejectionOf(result);
    expect(Date.now() - abortedAt).toBeGreaterThanOrEqual(300);
    expect(processesWith(`sleep ${sleep}`)).toEqual([]);
  });

  it("caps 100 MB of output at the limit with a marker, without memory growing with it", async () => {
    const task = shellTask(
      { command: ["sh", "-c", "echo START; head -c 104857600 /dev/zero | tr '\\0' a; echo; echo END"] },
      enabled,
    );
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const done = await runTask(task).result;
      expect(done.stdoutTruncated).toBe(true);
      expect(done.stdout.startsWith("START\naaaa")).toBe(true);
      expect(done.stdout.endsWith("aaaa\nEND\n")).toBe(true);
      expect(done.stdout).toMatch(/\n\[… 103\.8 MB of output truncated …\]\n/);
      expect(Buffer.byteLength(done.stdout)).toBeLessThan(1024 * 1024 + 100);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("redacts the spec's env values and secret-named parent variables from result, logs and error", async () => {
    process.env.TASKFLOW_TEST_API_TOKEN = "parent-token-123";
    process.env.TASKFLOW_TEST_LISTED = "listed-value-456";
    try {
      const settings = {
        enabled: true,
        inheritEnv: ["PATH", "TASKFLOW_TEST_API_TOKEN", "TASKFLOW_TEST_LISTED"],
        redactEnv: ["TASKFLOW_TEST_LISTED"],
      };
      const script =
        'echo "db=$DB_URL token=$TASKFLOW_TEST_API_TOKEN listed=$TASKFLOW_TEST_LISTED short=$SHORT"';
      const env = { DB_URL: "postgres://u:pw@db/x", SHORT: "abc" };
      const ok = runTask(shellTask({ command: ["sh", "-c", script], env }, settings));
      const expected = "db=[REDACTED] token=[REDACTED] listed=[REDACTED] short=abc\n";
      expect((await ok.result).stdout).toBe(expected);
      expect(ok.logs).toEqual([{ level: "info", message: "stdout", data: { text: expected } }]);

      const failing = runTask(shellTask({ command: ["sh", "-c", `${script} >&2; exit 1`], env }, settings));
      const error = (await rejectionOf(failing.result)) as Error;
      expect(error.message).toContain(expected.trim());
      expect(JSON.stringify(failing.logs)).not.toMatch(/parent-token|listed-value|pw@db/);
    } finally {
      delete process.env.TASKFLOW_TEST_API_TOKEN;
      delete process.env.TASKFLOW_TEST_LISTED;
    }
  });

  it("refuses to run when shell jobs are not enabled, permanently", async () => {
    const error = await rejectionOf(runTask(shellTask({ command: ["true"] }, {})).result);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: ErrorCode.ShellDisabled });
    expect(() => createShellTask({ command: ["true"] }, { enabled: false })).toThrow(
      expect.objectContaining({ code: ErrorCode.ShellDisabled }),
    );
    expect(() => createShellTask({ command: "true" }, enabled)).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOption, details: { option: "command" } }),
    );
  });
});
