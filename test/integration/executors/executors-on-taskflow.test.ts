import { afterEach, describe, expect, it } from "vitest";
import { httpTask, shellTask } from "../../../src/executors/index.js";
import { backends } from "../../support/backends.js";
import { openTestTaskFlow, until, type TaskFlowFixture } from "../../support/taskflow-fixture.js";
import { processesWith, startServer, uniqueSleep, waitFor, type TestServer } from "./executor-support.js";

describe.each(backends)("shell and HTTP jobs on a TaskFlow node ($name)", (backend) => {
  let f: TaskFlowFixture | undefined;
  let s: TestServer | undefined;
  afterEach(async () => {
    await f?.close();
    await s?.close();
    f = undefined;
    s = undefined;
  });

  const job = async (id: string) => (await f!.tf.getJob(id))!;
  const settled = (id: string) => async () => ["succeeded", "dead"].includes((await job(id)).state);

  it("stores a shell job's result and output, and its failure as SHELL_FAILED", async () => {
    f = await openTestTaskFlow(backend);
    const ok = f.tf.task(
      "backup",
      shellTask({ command: ["sh", "-c", 'echo "payload=$TASKFLOW_PAYLOAD"'] }, { enabled: true }),
    );
    const broken = f.tf.task("broken", {
      ...shellTask({ command: ["sh", "-c", "echo disk full >&2; exit 2"] }, { enabled: true }),
      maxAttempts: 1,
    });
    await f.tf.start();
    const good = await f.tf.enqueue(ok, { day: "mon" });
    const bad = await f.tf.enqueue(broken, {});
    await until(settled(good.id), "shell job finished");
    await until(settled(bad.id), "failing shell job finished");
    expect(await job(good.id)).toMatchObject({
      state: "succeeded",
      result: { exitCode: 0, stdout: 'payload={"day":"mon"}\n', stderr: "", stdoutTruncated: false },
    });
    expect(await f.tf.jobLogs(good.id)).toMatchObject([
      { level: "info", message: "stdout", data: { text: 'payload={"day":"mon"}\n' } },
    ]);
    const failed = await job(bad.id);
    expect(failed.state).toBe("dead");
    expect(failed.lastError).toMatchObject({ code: "SHELL_FAILED", name: "TaskFlowError" });
    expect(failed.lastError?.message).toContain("exited with code 2; last lines of stderr:\ndisk full");
    expect(await f.tf.jobLogs(bad.id)).toMatchObject([{ message: "stderr", data: { text: "disk full\n" } }]);
  });

  it("stores output with NUL bytes and invalid UTF-8 in a form jsonb accepts", async () => {
    f = await openTestTaskFlow(backend);
    const binary = f.tf.task(
      "binary",
      shellTask({ command: ["printf", "a\\000b\\377c"] }, { enabled: true }),
    );
    await f.tf.start();
    const enqueued = await f.tf.enqueue(binary, {});
    await until(settled(enqueued.id), "job finished");
    expect(await job(enqueued.id)).toMatchObject({ state: "succeeded", result: { stdout: "a\\0b\uFFFDc" } });
  });

  it("kills a shell job's process group at the job's timeout", async () => {
    f = await openTestTaskFlow(backend);
    const sleep = uniqueSleep();
    const slow = f.tf.task("slow", {
      ...shellTask(
        { command: ["sh", "-c", `sleep ${sleep} & sleep ${sleep}`], timeoutMs: 5000 },
        { enabled: true },
      ),
      maxAttempts: 1,
    });
    await f.tf.start();
    const enqueued = await f.tf.enqueue(slow, {});
    try {
      await waitFor(() => processesWith(`sleep ${sleep}`).length >= 2, "sleeps running");
      await f.clock.advance(5000);
      await until(settled(enqueued.id), "job timed out");
      expect((await job(enqueued.id)).lastError).toMatchObject({ code: "JOB_TIMEOUT" });
      await waitFor(() => processesWith(`sleep ${sleep}`).length === 0, "process group gone", 5000);
    } finally {
      for (const pid of processesWith(sleep)) process.kill(pid, "SIGKILL");
    }
  });

  it("stores an HTTP job's result and request log, and sends a refused target to dead at once", async () => {
    s = await startServer((_, res) => res.end("pong"));
    f = await openTestTaskFlow(backend);
    const ping = f.tf.task(
      "ping",
      httpTask(
        { url: `http://127.0.0.1:${s.port}/healthz`, expectStatus: [200] },
        { allow: [`127.0.0.1:${s.port}`] },
      ),
    );
    const sneaky = f.tf.task("sneaky", {
      ...httpTask({ url: `http://127.0.0.1:${s.port}/admin` }, {}),
      maxAttempts: 5,
    });
    await f.tf.start();
    const good = await f.tf.enqueue(ping, {});
    const bad = await f.tf.enqueue(sneaky, {});
    await until(settled(good.id), "HTTP job finished");
    await until(settled(bad.id), "refused HTTP job finished");
    expect(await job(good.id)).toMatchObject({
      state: "succeeded",
      result: { status: 200, body: "pong", truncated: false },
    });
    expect(await f.tf.jobLogs(good.id)).toMatchObject([
      { level: "info", message: `GET http://127.0.0.1:${s.port}/healthz → 200`, data: { status: 200 } },
    ]);
    expect(await job(bad.id)).toMatchObject({
      state: "dead",
      attempt: 1,
      lastError: { code: "HTTP_TARGET_FORBIDDEN", name: "PermanentExecutorError" },
    });
    expect(s.requests.map((r) => r.url)).toEqual(["/healthz"]);
  });
});
