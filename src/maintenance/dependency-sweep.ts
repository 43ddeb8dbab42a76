import type { Logger } from "pino";
import type { DependencyStore } from "../store/dependency-store.js";
import type { Clock } from "../time/clock.js";

const BATCH = 500;

/**
 * Resolves waiting jobs whose dependencies have all finished. The store resolves dependents right
 * after each finishing write; this leased sweep is what makes that crash-safe: a node that died
 * between a dependency's finishing write and the resolution of its dependents (or a write whose
 * resolution failed) leaves them waiting only until the next pass.
 */
export class DependencySweep {
  constructor(
    private readonly store: DependencyStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onResolved: () => void,
  ) {}

  /** One pass, in batches. Returns how many jobs left `waiting`. */
  async sweepOnce(signal?: AbortSignal): Promise<number> {
    let total = 0;
    while (signal?.aborted !== true) {
      const resolved = await this.store.resolveReady(this.clock.now(), BATCH);
      total += resolved;
      if (resolved < BATCH) break;
    }
    if (total > 0) {
      this.logger.info({ jobs: total }, "resolved waiting jobs whose dependencies had finished");
      this.onResolved();
    }
    return total;
  }
}
