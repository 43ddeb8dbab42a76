import type { Logger } from "pino";
import type { ClaimedJob, JobError } from "../domain/job.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import type { RegisteredTask } from "./task-registry.js";

/** The breaker guarding a job: its own circuit key, else its task's. */
export function breakerOf(job: Pick<ClaimedJob, "task" | "circuitKey">): string {
  return job.circuitKey === null ? `task:${job.task}` : `key:${job.circuitKey}`;
}

/**
 * Counts finished attempts against their task's circuit breaker (in the store, shared by every
 * node) and logs when one opens or closes. A breaker is advisory: failing to record an outcome
 * is logged and changes nothing else.
 */
export class CircuitRecorder {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async record(job: ClaimedJob, task: RegisteredTask, error: JobError | null): Promise<void> {
    const settings = task.circuitBreaker;
    if (settings === null) return;
    const breaker = breakerOf(job);
    try {
      const change = await this.store.recordCircuitOutcome({
        breaker,
        task: job.task,
        succeeded: error === null,
        now: this.clock.now(),
        consecutiveFailures: settings.consecutiveFailures,
        openForMs: settings.openForMs,
        error,
      });
      const context = { breaker, task: job.task, jobId: job.id, failures: change.consecutiveFailures };
      if (change.state === "open" && change.previousState !== "open") {
        this.logger.error(
          { ...context, openForMs: settings.openForMs },
          "circuit breaker opened: its jobs wait, then one probe runs",
        );
      } else if (
        change.state === "closed" &&
        change.previousState !== null &&
        change.previousState !== "closed"
      ) {
        this.logger.info(context, "circuit breaker closed: its jobs run again");
      }
    } catch (err) {
      this.logger.warn({ err, breaker, jobId: job.id }, "recording an outcome on a circuit breaker failed");
    }
  }
}
