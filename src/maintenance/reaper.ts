import type { Logger } from "pino";
import { NO_METRICS, type MetricsSink } from "../observability/metrics-sink.js";
import type { ReapedJob, Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";

const BATCH = 500;

/**
 * Takes back jobs whose lease expired (their worker crashed, froze or lost the database) so
 * another worker runs them, or marks them dead when their attempts are spent. It runs on the
 * node holding the maintenance lease (see `Maintenance`), but would be correct on every node at
 * once: each expired row is locked with SKIP LOCKED and updated by one of them.
 */
export class LeaseReaper {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onReaped: () => void,
    private readonly metrics: MetricsSink = NO_METRICS,
  ) {}

  /** One pass: reaps every expired lease, in batches. Returns how many jobs it took back. */
  async reapOnce(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (signal?.aborted !== true) {
      const reaped = await this.store.reapExpiredLeases(this.clock.now(), BATCH);
      total += reaped.length;
      for (const job of reaped) {
        const level = job.state === "dead" ? "error" : "warn";
        this.logger[level](
          { jobId: job.id, task: job.task, next: job.state },
          "lease expired; job taken back from its worker",
        );
        this.#count(job);
      }
      if (reaped.length < BATCH) break;
    }
    if (total > 0) this.onReaped();
    return total;
  }

  /** The expiry, and what it led to: the attempt failed (retried or dead), or a requested cancel. */
  #count(job: ReapedJob): void {
    this.metrics.leaseExpired(job);
    if (job.compensationBegan) this.metrics.sagaTransition(job, "compensating");
    else if (job.state === "compensation_failed") this.metrics.sagaTransition(job, "compensation_failed");
    else if (job.state === "cancelled") this.metrics.jobCancelled(job);
    else if (job.state === "dead") this.metrics.attemptFailed(job, "dead");
    else if (job.state === "queued") this.metrics.attemptFailed(job, "retried");
  }
}
