// schedule-node.ts — a whole TaskFlow node for the scheduling chaos tests: fire loop and worker.
// At boot it upserts the shared schedules (idempotent, like every replica of a deployment does),
// then starts. Its task, `chaos.scheduled`, writes one row to the append-only `schedule_ledger`
// inside the job's completion transaction, stamped with the database clock, so the ledger holds
// when each occurrence really ran, by the one clock all nodes share. Once started it prints (and
// sends) its raw wall clock and the skew TaskFlow measured, for the skewed-clock test.
// Run: node --import tsx test/chaos/processes/schedule-node.ts
import { TaskFlow } from "../../../src/index.js";
import { chaosSchedules } from "./chaos-schedules.js";
import {
  CHAOS_SCHEDULER_SETTINGS,
  CHAOS_MAINTENANCE_SETTINGS,
  CHAOS_WORKER_SETTINGS,
  exitOnSigterm,
  exitWhenOrphaned,
  readChaosChildEnv,
} from "./chaos-env.js";
import { SCHEDULED_TASK, type ChildMessage } from "./messages.js";

const env = readChaosChildEnv();
const send = (message: ChildMessage) => process.send?.(message);

const taskflow = await TaskFlow.create({
  database: env.database,
  schema: env.schema,
  logger: "info",
  maintenance: CHAOS_MAINTENANCE_SETTINGS,
  worker: { ...CHAOS_WORKER_SETTINGS, workerId: env.workerId, concurrency: env.concurrency },
  scheduler: CHAOS_SCHEDULER_SETTINGS,
});

taskflow.task(SCHEDULED_TASK, {
  run: (ctx) =>
    ctx.transaction(async (tx) => {
      await tx.query(
        "INSERT INTO schedule_ledger (job_id, schedule_id, fire_at, attempt, worker) VALUES ($1, $2, $3, $4, $5)",
        [ctx.job.id, ctx.job.scheduleId, ctx.job.fireAt, ctx.job.fence, env.workerId],
      );
      return { worker: env.workerId, fence: ctx.job.fence };
    }),
});

for (const { id, spec } of chaosSchedules(env.schedules ?? 0)) await taskflow.schedule(id, spec);

exitWhenOrphaned();
exitOnSigterm(() => taskflow.stop());
await taskflow.start();
const clock: ChildMessage = {
  type: "clock",
  worker: env.workerId,
  wallClockMs: Date.now(),
  clockSkewMs: taskflow.clockSkewMs,
};
console.log(JSON.stringify(clock));
send(clock);
send({ type: "ready", worker: env.workerId });
