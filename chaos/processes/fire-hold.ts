// fire-hold.ts — lands a kill between claiming schedule occurrences and committing them. Once
// armed (the parent sends `hold-fire`), the node's next fire transaction, after its due schedule
// rows are locked and before anything is inserted or committed, writes a `fire-held` notice to
// the notice pipe and blocks its whole event loop for `holdMs` (like a long GC pause), so the
// parent can SIGKILL it inside that window. Test scaffolding only: it wraps the store method
// the fire loop calls; the engine is not changed.
import { writeSync } from "node:fs";
import type { TaskFlow } from "../../src/index.js";
import { NOTICE_FD, type ChildMessage, type ParentMessage } from "./messages.js";

export function holdFiresOnRequest(taskflow: TaskFlow, worker: string, holdMs: number): void {
  let armed = false;
  process.on("message", (message: ParentMessage) => {
    if (message.type === "hold-fire") armed = true;
  });
  const schedules = taskflow.store.schedules;
  const fireDue = schedules.fireDue.bind(schedules);
  // The plan callback runs inside the fire transaction, once per locked schedule row.
  schedules.fireDue = (request, plan) =>
    fireDue(request, (schedule) => {
      if (armed) {
        armed = false;
        const notice: ChildMessage = {
          type: "fire-held",
          worker,
          scheduleId: schedule.id,
          nextFireAt: schedule.nextFireAt,
          holdMs,
        };
        writeSync(NOTICE_FD, `${JSON.stringify(notice)}\n`);
        blockEventLoop(holdMs);
      }
      return plan(schedule);
    });
}

/** Blocks this thread (timers, sockets, everything) for `ms`: the plan callback is synchronous. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
