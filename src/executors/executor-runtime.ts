import type { TaskContext } from "../domain/task.js";
import type { Clock } from "../time/clock.js";

/** What executors need from the running node besides their settings. */
export interface ExecutorRuntime {
  /** Measures durations and times the kill grace and the HTTP total timeout. @defaultValue the system clock */
  clock?: Clock;
}

/**
 * Writes a job log line, best effort: after a timeout or cancellation the job is no longer this
 * worker's and the store refuses the line; that must not replace the error that ended the attempt.
 */
export async function safeLog(
  ctx: TaskContext<unknown>,
  level: "info" | "warn" | "error",
  message: string,
  data?: Record<string, unknown>,
): Promise<void> {
  try {
    await ctx.log[level](message, data);
  } catch {
    // The attempt's outcome is already decided; a lost log line changes nothing.
  }
}
