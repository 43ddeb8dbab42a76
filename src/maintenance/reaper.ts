import type { Logger } from "pino";
import type { Store } from "../store/store.js";
import type { Clock, Timer } from "../time/clock.js";

const BATCH = 500;

/**
 * Takes back jobs whose lease expired (their worker crashed, froze or lost the database) so
 * another worker runs them, or marks them dead when their attempts are spent. Safe on every
 * node at once: each expired row is locked with SKIP LOCKED and updated by one of them.
 */
export class LeaseReaper {
  #timer: Timer | null = null;
  #running = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly onReaped: () => void,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
  }

  /** One pass: reaps every expired lease, in batches. Returns how many jobs it took back. */
  async reapOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const reaped = await this.store.reapExpiredLeases(this.clock.now(), BATCH);
      total += reaped.length;
      for (const job of reaped) {
        const level = job.state === "dead" ? "error" : "warn";
        this.logger[level](
          { jobId: job.id, task: job.task, next: job.state },
          "lease expired; job taken back from its worker",
        );
      }
      if (reaped.length < BATCH) break;
    }
    if (total > 0) this.onReaped();
    return total;
  }

  #schedule(): void {
    this.#timer = this.clock.setTimer(this.clock.now() + this.intervalMs, () => {
      void this.reapOnce()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, "reaping expired leases failed; retrying"),
        )
        .finally(() => {
          if (this.#running) this.#schedule();
        });
    });
  }
}
