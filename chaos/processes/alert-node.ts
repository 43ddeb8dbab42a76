// alert-node.ts — a TaskFlow node with alerting for the alert crash test: one webhook channel
// (the test's receiver), fast evaluation and delivery polls. With ALERT_ENQUEUE=1 it also
// enqueues one job of `nightly-backup`, which fails for good, so a job-dead alert is written to
// the outbox. It tells the parent `ready` once started.
// Run: node --import tsx chaos/processes/alert-node.ts
import { PermanentError, TaskFlow } from "../../src/index.js";
import { exitOnSigterm, exitWhenOrphaned } from "./chaos-env.js";

const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`alert-node: ${name} is not set`);
  return value;
};

const tf = await TaskFlow.create({
  database: required("TASKFLOW_TEST_DATABASE_URL"),
  schema: required("ALERT_SCHEMA"),
  logger: "info",
  maintenance: { leaseTtl: "2s" },
  worker: { workerId: required("ALERT_NODE_ID"), pollInterval: "200ms" },
  alerts: {
    channels: {
      ops: { type: "webhook", url: required("ALERT_HOOK_URL"), secret: required("ALERT_HOOK_SECRET") },
    },
    routes: { P1: { channels: ["ops"] } },
    allow: [required("ALERT_HOOK_ALLOW")],
    evaluateEvery: "300ms",
    delivery: { timeout: "2s", pollEvery: "200ms", backoff: "200ms" },
  },
});
const nightly = tf.task("nightly-backup", { run: () => Promise.reject(new PermanentError("disk full")) });
exitOnSigterm(() => tf.stop());
exitWhenOrphaned();
await tf.start();
if (process.env.ALERT_ENQUEUE === "1") await tf.enqueue(nightly, {});
process.send?.({ type: "ready" });
