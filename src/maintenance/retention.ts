import type { Logger } from "pino";
import type { AlertStore } from "../store/alert-store.js";
import type { FlowStore } from "../store/flow-store.js";
import type { MaintenanceStore } from "../store/maintenance-store.js";
import type { Clock } from "../time/clock.js";

const BATCH = 1000;

export interface RetentionSettings {
  /** Finished jobs and alert history older than this are deleted; null keeps them for ever. */
  retentionMs: number | null;
  /** Nodes not seen for this long are removed from the registry. */
  nodeExpiryMs: number;
}

/** The stores retention deletes from. */
export interface RetentionStores {
  maintenance: MaintenanceStore;
  flow: FlowStore;
  alerts: AlertStore;
}

/**
 * Deletes what is no longer needed: finished jobs past the retention window (with their logs),
 * alert history past it (resolved alerts, delivered or given-up messages with their delivery
 * records, ended silences), nodes that died without removing their row, expired tf.once
 * results, rate-limit grants and idempotency keys. Runs on the maintenance lease holder, in
 * batches of one short statement each, so it never holds many locks for long; rows another
 * transaction holds are skipped and taken at a later pass.
 */
export class Retention {
  constructor(
    private readonly stores: RetentionStores,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: RetentionSettings,
  ) {}

  /** One pass. Returns how many jobs and nodes it removed. */
  async pruneOnce(signal?: AbortSignal): Promise<{ jobs: number; nodes: number }> {
    const { maintenance, flow } = this.stores;
    const nodes = await maintenance.pruneNodes(this.clock.now(), this.settings.nodeExpiryMs);
    if (nodes > 0) this.logger.info({ nodes }, "removed nodes not seen for a long time from the registry");
    const { retentionMs } = this.settings;
    let jobs = 0;
    if (retentionMs !== null) {
      jobs = await drain(signal, () => maintenance.pruneFinishedJobs(this.clock.now(), retentionMs, BATCH));
      if (jobs > 0) this.logger.debug({ jobs, retentionMs }, "deleted finished jobs past their retention");
      await this.#pruneAlertHistory(retentionMs, signal);
    }
    // tf.once results keep their own expiry (the ttl given with each key), whatever the retention.
    const onceKeys = await drain(signal, () => flow.pruneOnce(this.clock.now(), BATCH));
    if (onceKeys > 0) this.logger.debug({ onceKeys }, "deleted expired tf.once results");
    // A rate-limit grant counts only within its window; after it, nothing reads it.
    await drain(signal, () => maintenance.pruneRateLimitGrants(this.clock.now(), BATCH));
    // An idempotency key deduplicates only within its window (idempotencyTtl), whatever the
    // retention of the jobs it named; after it, the next enqueue with the key takes it anew.
    const keys = await drain(signal, () => maintenance.pruneIdempotencyKeys(this.clock.now(), BATCH));
    if (keys > 0) this.logger.debug({ keys }, "deleted expired idempotency keys");
    return { jobs, nodes };
  }

  /**
   * Messages first: an alert is deleted only once it has no message left, so deleting an alert
   * never cascades to an unbounded number of rows, and a pending message (a resolution still
   * being delivered) keeps its alert. Firing alerts stay whatever their age.
   */
  async #pruneAlertHistory(retentionMs: number, signal: AbortSignal | undefined): Promise<void> {
    const { alerts } = this.stores;
    const before = () => this.clock.now() - retentionMs;
    const messages = await drain(signal, () => alerts.pruneFinishedMessages(before(), BATCH));
    const resolved = await drain(signal, () => alerts.pruneResolvedAlerts(before(), BATCH));
    const silences = await drain(signal, () => alerts.pruneEndedSilences(before(), BATCH));
    if (messages + resolved + silences > 0)
      this.logger.debug(
        { messages, resolved, silences, retentionMs },
        "deleted alert history past its retention",
      );
  }
}

/** Calls `prune` until it deletes less than a full batch (or the pass is stopped); the total. */
async function drain(signal: AbortSignal | undefined, prune: () => Promise<number>): Promise<number> {
  let total = 0;
  while (signal?.aborted !== true) {
    const pruned = await prune();
    total += pruned;
    if (pruned < BATCH) break;
  }
  return total;
}
