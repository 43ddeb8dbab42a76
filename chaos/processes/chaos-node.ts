// chaos-node.ts — a whole TaskFlow node for the chaos tests and the chaos harness: fire loop,
// worker pool and maintenance, against the schema it is given. At boot it upserts the shared
// schedules (idempotent, like every replica of a deployment does), then starts. Its tasks are in
// chaos-tasks.ts; what it does is set by its environment (chaos-env.ts). Once started it sends
// its raw wall clock and the skew TaskFlow measured (periodically too, if asked).
// Run: node --import tsx chaos/processes/chaos-node.ts
import { TaskFlow } from "../../src/index.js";
import { createRandom, freshSeed } from "../random.js";
import {
  CHAOS_MAINTENANCE_SETTINGS,
  CHAOS_SCHEDULER_SETTINGS,
  CHAOS_WORKER_SETTINGS,
  exitOnSigterm,
  exitWhenOrphaned,
  readChaosChildEnv,
} from "./chaos-env.js";
import { chaosSchedules } from "./chaos-schedules.js";
import { registerChaosTasks } from "./chaos-tasks.js";
import { holdFiresOnRequest } from "./fire-hold.js";
import type { ChildMessage } from "./messages.js";

const env = readChaosChildEnv();
const send = (message: ChildMessage) => process.send?.(message);

const taskflow = await TaskFlow.create({
  database: env.database,
  schema: env.schema,
  logger: "info",
  maintenance: CHAOS_MAINTENANCE_SETTINGS,
  worker: {
    ...CHAOS_WORKER_SETTINGS,
    ...(env.drainTimeoutMs === undefined ? {} : { drainTimeout: env.drainTimeoutMs }),
    workerId: env.workerId,
    concurrency: env.concurrency,
  },
  scheduler: CHAOS_SCHEDULER_SETTINGS,
});

const closeTasks = registerChaosTasks(taskflow, env, createRandom(env.seed ?? freshSeed()));
if (env.fireHoldMs !== undefined) holdFiresOnRequest(taskflow, env.workerId, env.fireHoldMs);

for (const { id, spec } of chaosSchedules(env.schedules ?? 0, env.minuteSchedules ?? 0))
  await taskflow.schedule(id, spec);

exitWhenOrphaned();
exitOnSigterm(async () => {
  await taskflow.stop();
  await closeTasks();
});
await taskflow.start();

const reportClock = () => {
  const clock: ChildMessage = {
    type: "clock",
    worker: env.workerId,
    wallClockMs: Date.now(),
    clockSkewMs: taskflow.clockSkewMs,
  };
  process.stdout.write(`${JSON.stringify(clock)}\n`);
  send(clock);
};
reportClock();
if ((env.clockReportMs ?? 0) > 0) setInterval(reportClock, env.clockReportMs).unref();
send({ type: "ready", worker: env.workerId });
