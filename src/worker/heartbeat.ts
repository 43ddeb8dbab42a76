import type { Logger } from "pino";
import type { ClaimedJob } from "../domain/job.js";
import { NO_METRICS, type MetricsSink } from "../observability/metrics-sink.js";
import type { Store } from "../store/store.js";
import type { Clock, Timer } from "../time/clock.js";

export interface HeartbeatCallbacks {
  /** Every job this node holds a lease on right now (running, buffered, or being recorded). */
  held(): ClaimedJob[];
  /** The store no longer shows this worker's lease on the job. */
  onLost(job: ClaimedJob): void;
  /** Someone asked to cancel the job. */
  onCancelRequested(job: ClaimedJob): void;
  /** Where renewals the store refused are counted. */
  metrics?: MetricsSink;
}

/**
 * Renews every lease the node holds with one statement, every third of the lease duration, so
 * a lease survives two missed heartbeats. What the renewal does not return was lost.
 */
export class Heartbeat {
  #timer: Timer | null = null;
  #running = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly workerId: string,
    private readonly leaseMs: number,
    private readonly callbacks: HeartbeatCallbacks,
  ) {}

  start(): void {
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
  }

  #schedule(): void {
    const interval = Math.max(50, Math.floor(this.leaseMs / 3));
    this.#timer = this.clock.setTimer(this.clock.now() + interval, () => {
      void this.beat().finally(() => {
        if (this.#running) this.#schedule();
      });
    });
  }

  async beat(): Promise<void> {
    const jobs = this.callbacks.held();
    if (jobs.length === 0) return;
    try {
      const leases = jobs.map((job) => ({ id: job.id, fence: job.fence }));
      const renewed = await this.store.renewLeases(this.workerId, leases, this.clock.now(), this.leaseMs);
      const cancelRequested = new Map(renewed.map((r) => [r.id, r.cancelRequested]));
      (this.callbacks.metrics ?? NO_METRICS).staleWriteRejected("heartbeat", jobs.length - renewed.length);
      for (const job of jobs) {
        const requested = cancelRequested.get(job.id);
        if (requested === undefined) this.callbacks.onLost(job);
        else if (requested) this.callbacks.onCancelRequested(job);
      }
    } catch (error) {
      this.logger.warn(
        { err: error, jobs: jobs.length },
        "renewing leases failed; retrying at the next heartbeat",
      );
    }
  }
}
