// traced-producer.ts — process A of the cross-process trace test: enqueues one `chaos.traced` job
// (two attempts) with an SDK registered, writes its spans to the span file, prints the job id.
// Run: node --import tsx chaos/processes/traced-producer.ts
import { TaskFlow } from "../../src/index.js";
import { readTracedChildEnv, registerSpanFileSdk, TRACED_TASK } from "./span-file.js";

const env = readTracedChildEnv();
const spans = registerSpanFileSdk(env.spanFile);
const taskflow = await TaskFlow.create({
  database: env.database,
  schema: env.schema,
  unknownTasks: "allow",
  logger: "warn",
});
const job = await taskflow.enqueue(TRACED_TASK, { from: "producer" }, { maxAttempts: 2 });
await taskflow.stop();
spans.write();
process.stdout.write(`${JSON.stringify({ jobId: job.id })}\n`);
