// One trace across two processes: process A enqueues a job (two attempts) and exits; process B
// runs it — attempt 1 throws, attempt 2 starts a span of its own and succeeds. Each process has
// its own in-memory SDK and writes its finished spans to a file; the trace is joined only
// through the W3C trace context stored with the job in PostgreSQL.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { openChaosDatabase, type ChaosDatabase } from "../../chaos/chaos-database.js";
import type { SpanRecord, TracedChildEnv } from "../../chaos/processes/span-file.js";
import { TEST_DATABASE_URL } from "../support/backends.js";

const CHILD_TIMEOUT_MS = 120_000;
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

/** Runs a child script to its end; rejects if it fails or outlives the timeout (then it is killed). */
function runChild(script: string, env: TracedChildEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, TASKFLOW_TRACED_CHILD: JSON.stringify(env) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${script} exited with ${code ?? signal}:\n${output.slice(-4000)}`));
    });
  });
}

function readSpans(file: string): SpanRecord[] {
  return JSON.parse(readFileSync(file, "utf8")) as SpanRecord[];
}

function only(spans: SpanRecord[], name: string): SpanRecord {
  const found = spans.filter((span) => span.name === name);
  expect(found, `spans named ${name}`).toHaveLength(1);
  return found[0] as SpanRecord;
}

describe.skipIf(!TEST_DATABASE_URL)("a job traced across two processes", () => {
  let db: ChaosDatabase | undefined;
  let folder: string | undefined;

  afterEach(async () => {
    await db?.close();
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    db = undefined;
    folder = undefined;
  });

  it("shows enqueue (process A) → attempt 1 failed → attempt 2 succeeded (process B) as one trace", async () => {
    db = await openChaosDatabase(TEST_DATABASE_URL as string, "chaos_trace");
    folder = mkdtempSync(join(tmpdir(), "taskflow-trace-"));
    const base = { database: db.url, schema: db.schema };

    const producerFile = join(folder, "producer.json");
    const producerOutput = await runChild("chaos/processes/traced-producer.ts", {
      ...base,
      spanFile: producerFile,
    });
    const jobId = (JSON.parse(producerOutput.trim().split("\n").at(-1) ?? "{}") as { jobId?: string }).jobId;
    expect(jobId).toMatch(/^[0-9]+$/);

    const workerFile = join(folder, "worker.json");
    await runChild("chaos/processes/traced-worker.ts", { ...base, spanFile: workerFile, jobId: jobId! });

    // The oracle: the job's row, and the spans each process exported on its own.
    const { rows } = await db.pool.query<{ state: string; attempt: number; traceparent: string }>(
      "SELECT state, attempt, trace_context->>'traceparent' AS traceparent FROM jobs WHERE id = $1",
      [jobId],
    );
    expect(rows[0]).toMatchObject({ state: "succeeded", attempt: 2 });

    const producerSpans = readSpans(producerFile);
    const workerSpans = readSpans(workerFile);
    const enqueue = only(producerSpans, "enqueue chaos.traced");
    const attempts = workerSpans.filter((span) => span.name === "attempt chaos.traced");
    const work = only(workerSpans, "handler work");
    expect(attempts.map((span) => span.attributes["taskflow.attempt"])).toEqual([1, 2]);
    const [first, second] = attempts as [SpanRecord, SpanRecord];

    // One trace id across both processes, joined through the stored traceparent.
    const traceId = enqueue.traceId;
    expect(new Set([...producerSpans, ...workerSpans].map((span) => span.traceId))).toEqual(
      new Set([traceId]),
    );
    expect(rows[0]?.traceparent).toBe(`00-${traceId}-${enqueue.spanId}-01`);

    expect(enqueue).toMatchObject({ kind: SpanKind.PRODUCER, parentSpanId: null });
    expect(enqueue.attributes).toMatchObject({ "taskflow.job.id": jobId, "taskflow.task": "chaos.traced" });
    for (const attempt of attempts) {
      expect(attempt.parentSpanId).toBe(enqueue.spanId);
      expect(attempt.kind).toBe(SpanKind.CONSUMER);
      expect(attempt.attributes).toMatchObject({ "taskflow.job.id": jobId, "taskflow.task": "chaos.traced" });
    }
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: "attempt 1 fails on purpose" });
    expect(first.attributes["taskflow.attempt.outcome"]).toBe("failed");
    expect(first.events.map((event) => [event.name, event.attributes["exception.message"]])).toEqual([
      ["exception", "attempt 1 fails on purpose"],
    ]);
    expect(second.status.code).toBe(SpanStatusCode.OK);
    expect(second.attributes["taskflow.attempt.outcome"]).toBe("succeeded");
    expect(work.parentSpanId).toBe(second.spanId);
  });
});
