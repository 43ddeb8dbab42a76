// Tracing (docs/tracing.md) in one process, with an in-memory exporter: an enqueue's span is the
// parent of every attempt of its job, a schedule's fire span the parent of its occurrence's
// attempts; handlers run inside their attempt's span; log lines carry the ids; and without an
// SDK (or with `tracing: false`) nothing is stored.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import pg from "pg";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { PostgresStore } from "../../src/store/postgres/postgres-store.js";
import { backends, TEST_DATABASE_URL } from "../support/backends.js";
import {
  aborted,
  advanceUntil,
  openTestTaskFlow,
  until,
  type TaskFlowFixture,
} from "../support/taskflow-fixture.js";
import { ids, parentSpanId, registerTestTraceSdk, type TestTraceSdk } from "../support/trace-sdk.js";

/** A pino logger whose lines the test reads back. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "info" },
    {
      write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
    },
  );
  return { logger, lines };
}

async function storedTraceContext(f: TaskFlowFixture, jobId: string): Promise<unknown> {
  const store = f.tf.store as PostgresStore;
  const { rows } = await store.driver.query<{ trace_context: unknown }>(
    "SELECT trace_context FROM jobs WHERE id = $1",
    [jobId],
  );
  return rows[0]?.trace_context;
}

const postgres = backends.find((backend) => backend.name === "postgres");

describe.skipIf(postgres === undefined)("tracing an enqueue inside the application's transaction", () => {
  let f: TaskFlowFixture | undefined;
  let sdk: TestTraceSdk | undefined;
  let app: pg.Pool | undefined;
  afterEach(async () => {
    await app?.end();
    await f?.close();
    await sdk?.unregister();
    f = undefined;
    sdk = undefined;
    app = undefined;
  });

  it("stores the enqueue span's context with a job written in the application's transaction", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(postgres!);
    app = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const receipt = f.tf.task("receipt", { run: () => undefined });
    const client = await app.connect();
    let jobId: string;
    try {
      await client.query("BEGIN");
      jobId = (await f.tf.enqueue(receipt, {}, { tx: client })).id;
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    await f.tf.start();
    await until(() => sdk!.spans("attempt receipt").length === 1, "the committed job ran");

    const [enqueue] = sdk.spans("enqueue receipt") as [ReadableSpan];
    const [attempt] = sdk.spans("attempt receipt") as [ReadableSpan];
    expect(enqueue.attributes).toMatchObject({
      "taskflow.enqueue.in_transaction": true,
      "taskflow.job.id": jobId,
    });
    expect(parentSpanId(attempt)).toBe(enqueue.spanContext().spanId);
    expect(attempt.spanContext().traceId).toBe(enqueue.spanContext().traceId);
  });
});

describe.each(backends)("tracing on $name", (backend) => {
  let f: TaskFlowFixture | undefined;
  let sdk: TestTraceSdk | undefined;
  afterEach(async () => {
    await f?.close();
    await sdk?.unregister();
    f = undefined;
    sdk = undefined;
  });

  it("traces enqueue → attempt 1 (failed) → attempt 2 (succeeded) as one trace, the handler's span nested", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend, { worker: { pollInterval: "1h" } });
    let runs = 0;
    const flaky = f.tf.task("flaky", {
      maxAttempts: 2,
      retry: { kind: "fixed", delay: "10s" },
      run: async (ctx) => {
        runs++;
        if (runs === 1) throw new Error("first attempt fails");
        await trace.getTracer("app").startActiveSpan("handler work", async (span) => {
          await ctx.progress("working");
          span.end();
        });
        return "done";
      },
    });
    await f.tf.start();
    const job = await trace.getTracer("app").startActiveSpan("caller", async (caller) => {
      const enqueued = await f!.tf.enqueue(flaky, {}, { queue: "q1" });
      caller.end();
      return enqueued;
    });
    await until(
      async () => (await f!.tf.getJob(job.id))?.lastError?.message === "first attempt fails",
      "first failure recorded",
    );
    await f.clock.advance(10_000);
    await until(async () => (await f!.tf.getJob(job.id))?.state === "succeeded", "second attempt succeeded");
    await until(() => sdk!.spans("attempt flaky").length === 2, "both attempt spans ended");

    const [caller] = sdk.spans("caller") as [ReadableSpan];
    const [enqueue] = sdk.spans("enqueue flaky") as [ReadableSpan];
    const [first, second] = sdk.spans("attempt flaky") as [ReadableSpan, ReadableSpan];
    const [work] = sdk.spans("handler work") as [ReadableSpan];
    const traceId = caller.spanContext().traceId;
    for (const span of [enqueue, first, second, work]) expect(span.spanContext().traceId).toBe(traceId);
    expect(parentSpanId(enqueue)).toBe(caller.spanContext().spanId);
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expect(enqueue.attributes).toMatchObject({
      "taskflow.task": "flaky",
      "taskflow.queue": "q1",
      "taskflow.job.id": job.id,
      "taskflow.job.created": true,
      "messaging.system": "taskflow",
      "messaging.operation.type": "send",
    });
    expect(job.traceId).toBe(traceId);

    for (const attempt of [first, second]) {
      expect(parentSpanId(attempt)).toBe(enqueue.spanContext().spanId);
      expect(attempt.kind).toBe(SpanKind.CONSUMER);
    }
    expect(first.attributes).toMatchObject({
      "taskflow.task": "flaky",
      "taskflow.queue": "q1",
      "taskflow.job.id": job.id,
      "taskflow.attempt": 1,
      "taskflow.attempt.outcome": "failed",
      "error.type": "Error",
    });
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: "first attempt fails" });
    expect(first.events.map((event) => [event.name, event.attributes?.["exception.message"]])).toEqual([
      ["exception", "first attempt fails"],
    ]);
    expect(second.attributes).toMatchObject({
      "taskflow.attempt": 2,
      "taskflow.attempt.outcome": "succeeded",
    });
    expect(second.status.code).toBe(SpanStatusCode.OK);
    expect(parentSpanId(work)).toBe(second.spanContext().spanId);
  });

  it("runs a fired occurrence's attempt under the schedule's fire span", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend);
    const tick = f.tf.task("tick", { run: () => undefined });
    await f.tf.schedule("every-minute", { task: tick, every: "1m" });
    await f.tf.start();
    await advanceUntil(
      f.clock,
      5_000,
      120_000,
      () => Promise.resolve(sdk!.spans("attempt tick").length > 0),
      "a run",
    );

    const [attempt] = sdk.spans("attempt tick") as [ReadableSpan];
    const fire = sdk
      .spans("fire every-minute")
      .find((span) => span.spanContext().spanId === parentSpanId(attempt));
    expect(fire).toBeDefined();
    expect(fire!.parentSpanContext).toBeUndefined(); // each occurrence is the root of its own trace
    expect(fire!.kind).toBe(SpanKind.PRODUCER);
    expect(attempt.spanContext().traceId).toBe(fire!.spanContext().traceId);
    const fireTime = fire!.attributes["taskflow.schedule.fire_time"];
    expect(fire!.attributes).toMatchObject({
      "taskflow.schedule.id": "every-minute",
      "taskflow.task": "tick",
      "taskflow.occurrence.enqueued": true,
    });
    expect(attempt.attributes).toMatchObject({
      "taskflow.schedule.id": "every-minute",
      "taskflow.schedule.fire_time": fireTime,
      "taskflow.attempt.outcome": "succeeded",
    });
    const job = await f.tf.getJob(String(attempt.attributes["taskflow.job.id"]));
    expect(job?.fireAt?.toISOString()).toBe(fireTime);
    expect(job?.traceId).toBe(fire!.spanContext().traceId);
  });

  it("writes the attempt's trace and span ids into its pino lines and its stored log lines", async () => {
    sdk = registerTestTraceSdk();
    const { logger, lines } = capturedLogger();
    f = await openTestTaskFlow(backend, { logger });
    const noisy = f.tf.task("noisy", {
      run: async (ctx) => {
        await ctx.log.info("working", { step: 1 });
      },
    });
    await f.tf.start();
    const job = await f.tf.enqueue(noisy, {});
    await until(() => sdk!.spans("attempt noisy").length === 1, "the attempt ended");
    const { traceId, spanId } = ids(sdk.spans("attempt noisy")[0] as ReadableSpan);

    expect(lines.filter((line) => line.msg === "working")).toEqual([
      expect.objectContaining({ jobId: job.id, step: 1, traceId, spanId }),
    ]);
    expect((await f.tf.jobLogs(job.id)).map((log) => [log.message, log.data])).toEqual([
      ["working", { step: 1, traceId, spanId }],
    ]);
  });

  it("joins the handler's trace when a handler enqueues a job", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend);
    const child = f.tf.task("child", { run: () => undefined });
    const parent = f.tf.task("parent", { run: async () => void (await f!.tf.enqueue(child, {})) });
    await f.tf.start();
    await f.tf.enqueue(parent, {});
    await until(() => sdk!.spans("attempt child").length === 1, "the child job ran");

    const [parentAttempt] = sdk.spans("attempt parent") as [ReadableSpan];
    const [childEnqueue] = sdk.spans("enqueue child") as [ReadableSpan];
    const [childAttempt] = sdk.spans("attempt child") as [ReadableSpan];
    expect(parentSpanId(childEnqueue)).toBe(parentAttempt.spanContext().spanId);
    expect(parentSpanId(childAttempt)).toBe(childEnqueue.spanContext().spanId);
    expect(childAttempt.spanContext().traceId).toBe(parentAttempt.spanContext().traceId);
  });

  it("traces a batch as one enqueue span whose context every job of it carries", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend);
    const item = f.tf.task("item", { run: () => undefined });
    await f.tf.start();
    const jobs = await f.tf.enqueueMany([0, 1, 2].map((n) => ({ task: item, payload: { n } })));
    await until(() => sdk!.spans("attempt item").length === 3, "the three jobs ran");

    const [batch] = sdk.spans("enqueue item") as [ReadableSpan];
    expect(batch.attributes["messaging.batch.message_count"]).toBe(3);
    expect(sdk.spans("attempt item").map(parentSpanId)).toEqual(Array(3).fill(batch.spanContext().spanId));
    expect(jobs.map((job) => job.traceId)).toEqual(Array(3).fill(batch.spanContext().traceId));
  });

  it("runs a triggered run under the trigger's span, a child of the caller's", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend);
    const report = f.tf.task("report", { run: () => undefined });
    await f.tf.schedule("nightly", { task: report, cron: "0 3 * * *" });
    await f.tf.start();
    const job = await trace.getTracer("app").startActiveSpan("operator", async (operator) => {
      const triggered = await f!.tf.trigger("nightly");
      operator.end();
      return triggered;
    });
    await until(() => sdk!.spans("attempt report").length === 1, "the triggered run ended");

    const [operator] = sdk.spans("operator") as [ReadableSpan];
    const [trigger] = sdk.spans("trigger nightly") as [ReadableSpan];
    const [attempt] = sdk.spans("attempt report") as [ReadableSpan];
    expect(parentSpanId(trigger)).toBe(operator.spanContext().spanId);
    expect(trigger.attributes).toMatchObject({
      "taskflow.schedule.id": "nightly",
      "taskflow.job.id": job.id,
    });
    expect(parentSpanId(attempt)).toBe(trigger.spanContext().spanId);
    expect(job.traceId).toBe(operator.spanContext().traceId);
  });

  it("marks an attempt that timed out, with its error recorded", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend);
    let started = false;
    const slow = f.tf.task("slow", {
      timeout: "1s",
      maxAttempts: 1,
      run: (ctx) => {
        started = true;
        return aborted(ctx.signal);
      },
    });
    await f.tf.start();
    await f.tf.enqueue(slow, {});
    await until(() => started, "the attempt started");
    await advanceUntil(
      f.clock,
      500,
      5_000,
      () => Promise.resolve(sdk!.spans("attempt slow").length === 1),
      "timeout",
    );

    const [attempt] = sdk.spans("attempt slow") as [ReadableSpan];
    expect(attempt.attributes).toMatchObject({
      "taskflow.attempt.outcome": "timed_out",
      "error.type": "JOB_TIMEOUT",
    });
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempt.status.message).toMatch(/^timed out: /);
    expect(attempt.events.map((event) => event.name)).toEqual(["exception"]);
  });

  it("stores no trace context and adds no ids to log lines when no SDK is registered", async () => {
    const { logger, lines } = capturedLogger();
    f = await openTestTaskFlow(backend, { logger });
    const plain = f.tf.task("plain", { run: (ctx) => ctx.log.info("plain line") });
    await f.tf.start();
    const job = await f.tf.enqueue(plain, {});
    await until(async () => (await f!.tf.getJob(job.id))?.state === "succeeded", "the job ran");

    expect(await storedTraceContext(f, job.id)).toBeNull();
    expect(job.traceId).toBeNull();
    const line = lines.find((l) => l.msg === "plain line");
    expect(line).toMatchObject({ jobId: job.id });
    expect(line).not.toHaveProperty("traceId");
    expect((await f.tf.jobLogs(job.id))[0]?.data).toBeNull();
  });

  it("starts no span and stores nothing with tracing: false, even with an SDK registered", async () => {
    sdk = registerTestTraceSdk();
    f = await openTestTaskFlow(backend, { tracing: false });
    const quiet = f.tf.task("quiet", { run: () => undefined });
    await f.tf.start();
    const job = await f.tf.enqueue(quiet, {});
    await until(async () => (await f!.tf.getJob(job.id))?.state === "succeeded", "the job ran");

    expect(await storedTraceContext(f, job.id)).toBeNull();
    expect(sdk.exporter.getFinishedSpans()).toEqual([]);
  });
});
