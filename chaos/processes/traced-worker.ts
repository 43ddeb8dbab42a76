// traced-worker.ts — process B of the cross-process trace test: runs `chaos.traced` jobs (attempt 1
// throws, attempt 2 starts a span of its own and succeeds) with an SDK registered; once the job
// named in its environment has succeeded or died, it stops and writes its spans to the span file.
// Run: node --import tsx chaos/processes/traced-worker.ts
import { setTimeout as delay } from "node:timers/promises";
import { trace } from "@opentelemetry/api";
import { TaskFlow } from "../../src/index.js";
import { readTracedChildEnv, registerSpanFileSdk, TRACED_TASK } from "./span-file.js";

const env = readTracedChildEnv();
const spans = registerSpanFileSdk(env.spanFile);
const taskflow = await TaskFlow.create({
  database: env.database,
  schema: env.schema,
  logger: "warn",
  worker: { pollInterval: "200ms" },
});
taskflow.task(TRACED_TASK, {
  retry: { kind: "fixed", delay: "100ms" },
  run: async (ctx) => {
    if (ctx.attempt === 1) throw new Error("attempt 1 fails on purpose");
    return trace.getTracer("traced-worker").startActiveSpan("handler work", async (span) => {
      await ctx.log.info("handler work done");
      span.end();
      return "ok";
    });
  },
});
await taskflow.start();
// A real process on the real clock: it looks at the job's state until it is final.
const deadline = Date.now() + 60_000;
for (;;) {
  const state = (await taskflow.getJob(env.jobId ?? ""))?.state;
  if (state === "succeeded" || state === "dead") break;
  if (Date.now() > deadline) throw new Error(`job ${env.jobId} still ${state} after 60 s`);
  await delay(50);
}
await taskflow.stop();
spans.write();
