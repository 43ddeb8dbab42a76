// chaos-schedules.ts — the schedules every `schedule-node` upserts at boot, the same on every node
// (as replicas of one deployment would): even ones `every: "1s"`, odd ones cron `* * * * * *`.
import type { ScheduleSpec } from "../../../src/index.js";
import { SCHEDULED_TASK } from "./messages.js";

export const EVERY_SECOND_CRON = "* * * * * *";

export function chaosSchedules(count: number): { id: string; spec: ScheduleSpec }[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `chaos-${String(n).padStart(4, "0")}`,
    spec:
      n % 2 === 0 ? { task: SCHEDULED_TASK, every: "1s" } : { task: SCHEDULED_TASK, cron: EVERY_SECOND_CRON },
  }));
}
