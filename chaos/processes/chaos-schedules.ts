// chaos-schedules.ts — the schedules every `chaos-node` upserts at boot, the same on every node
// (as replicas of one deployment would). Per-second ones: even `every: "1s"`, odd cron
// `* * * * * *`. Per-minute ones: `every: "1m"`, cron `0 * * * * *` and cron `* * * * *` in turn.
import type { ScheduleSpec } from "../../src/index.js";
import { SCHEDULED_TASK } from "./messages.js";

export const EVERY_SECOND_CRON = "* * * * * *";
export const EVERY_MINUTE_CRONS = ["0 * * * * *", "* * * * *"] as const;

export interface ChaosSchedule {
  id: string;
  spec: ScheduleSpec;
}

export function chaosSchedules(perSecond: number, perMinute = 0): ChaosSchedule[] {
  const seconds = Array.from({ length: perSecond }, (_, n) => ({
    id: `chaos-${String(n).padStart(4, "0")}`,
    spec:
      n % 2 === 0 ? { task: SCHEDULED_TASK, every: "1s" } : { task: SCHEDULED_TASK, cron: EVERY_SECOND_CRON },
  }));
  const minutes = Array.from({ length: perMinute }, (_, n) => ({
    id: `chaos-m-${String(n).padStart(3, "0")}`,
    spec:
      n % 3 === 0
        ? { task: SCHEDULED_TASK, every: "1m" }
        : { task: SCHEDULED_TASK, cron: EVERY_MINUTE_CRONS[(n % 3) - 1] as string },
  }));
  return [...seconds, ...minutes];
}
