import { hostname } from "node:os";
import type { Logger } from "pino";
import { PACKAGE_VERSION } from "../package-version.js";
import type { MaintenanceStore } from "../store/maintenance-store.js";
import type { Clock } from "../time/clock.js";
import { PeriodicTask } from "./periodic-task.js";

/**
 * Keeps this node's row in the node registry fresh (host, pid, version, clock skew, last seen),
 * and removes it on a clean stop. A node that dies leaves a stale row, which the maintenance
 * holder prunes after a while; until then its `lastSeenAt` tells it is gone.
 */
export class NodeRegistry {
  readonly #heartbeat: PeriodicTask;
  #startedAt: number | null = null;

  constructor(
    private readonly store: MaintenanceStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly nodeId: string,
    intervalMs: number,
    private readonly clockSkewMs: () => number,
  ) {
    this.#heartbeat = new PeriodicTask(clock, logger, "node registry heartbeat", intervalMs, () =>
      this.#beat(),
    );
  }

  /** Registers the node; resolves after the first heartbeat (logged, not thrown, if it fails). */
  start(): Promise<void> {
    this.#startedAt ??= this.clock.now();
    return this.#heartbeat.start();
  }

  /** Stops the heartbeat and removes the node's row (if it was ever registered). */
  async stop(): Promise<void> {
    await this.#heartbeat.stop();
    if (this.#startedAt === null) return;
    this.#startedAt = null;
    try {
      await this.store.removeNode(this.nodeId);
    } catch (error) {
      this.logger.warn({ err: error, nodeId: this.nodeId }, "could not remove this node from the registry");
    }
  }

  #beat(): Promise<void> {
    const node = {
      id: this.nodeId,
      host: hostname(),
      pid: process.pid,
      version: PACKAGE_VERSION,
      startedAt: this.#startedAt ?? this.clock.now(),
      clockSkewMs: this.clockSkewMs(),
    };
    return this.store.heartbeatNode(node, this.clock.now());
  }
}
