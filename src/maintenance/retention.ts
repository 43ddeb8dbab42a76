import type { Logger } from "pino";
import type { FlowStore } from "../store/flow-store.js";
import type { MaintenanceStore } from "../store/maintenance-store.js";
import type { Clock } from "../time/clock.js";

const BATCH = 1000;

export interface RetentionSettings {
  /** Finished jobs older than this are deleted; null keeps them for ever. */
  retentionMs: number | null;
  /** Nodes not seen for this long are removed from the registry. */
  nodeExpiryMs: number;
}

/**
 * Deletes what is no longer needed: finished jobs past the retention window (with their logs),
 * nodes that died without removing their row, expired tf.once results, rate-limit grants and
 * idempotency keys. Runs on the maintenance lease holder, in
 * batches of one short statement each, so it never holds many locks for long; rows another
 * transaction holds are skipped and taken at a later pass.
 */
export class Retention {
  constructor(
    private readonly store: MaintenanceStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: RetentionSettings,
    private readonly flow: FlowStore,
  ) {}

  /** One pass. Returns how many jobs and nodes it removed. */
  async pruneOnce(signal?: AbortSignal): Promise<{ jobs: number; nodes: number }> {
    const nodes = await this.store.pruneNodes(this.clock.now(), this.settings.nodeExpiryMs);
    if (nodes > 0) this.logger.info({ nodes }, "removed nodes not seen for a long time from the registry");
    const { retentionMs } = this.settings;
    let jobs = 0;
    if (retentionMs !== null) {
      while (signal?.aborted !== true) {
        const pruned = await this.store.pruneFinishedJobs(this.clock.now(), retentionMs, BATCH);
        jobs += pruned;
        if (pruned < BATCH) break;
      }
    }
    if (jobs > 0) this.logger.debug({ jobs, retentionMs }, "deleted finished jobs past their retention");
    // tf.once results keep their own expiry (the ttl given with each key), whatever the retention.
    let onceKeys = 0;
    while (signal?.aborted !== true) {
      const pruned = await this.flow.pruneOnce(this.clock.now(), BATCH);
      onceKeys += pruned;
      if (pruned < BATCH) break;
    }
    if (onceKeys > 0) this.logger.debug({ onceKeys }, "deleted expired tf.once results");
    // A rate-limit grant counts only within its window; after it, nothing reads it.
    while (signal?.aborted !== true) {
      const pruned = await this.store.pruneRateLimitGrants(this.clock.now(), BATCH);
      if (pruned < BATCH) break;
    }
    // An idempotency key deduplicates only within its window (idempotencyTtl), whatever the
    // retention of the jobs it named; after it, the next enqueue with the key takes it anew.
    let keys = 0;
    while (signal?.aborted !== true) {
      const pruned = await this.store.pruneIdempotencyKeys(this.clock.now(), BATCH);
      keys += pruned;
      if (pruned < BATCH) break;
    }
    if (keys > 0) this.logger.debug({ keys }, "deleted expired idempotency keys");
    return { jobs, nodes };
  }
}
