import type { Logger } from "pino";
import type { MetricsSink } from "../observability/metrics-sink.js";
import type { LeaseHolder, NodeInfo } from "../store/maintenance-store.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import { DependencySweep } from "./dependency-sweep.js";
import { MaintenanceLease } from "./maintenance-lease.js";
import type { MaintenanceSettings } from "./maintenance-options.js";
import { NodeRegistry } from "./node-registry.js";
import { PeriodicTask } from "./periodic-task.js";
import { LeaseReaper } from "./reaper.js";
import { Retention } from "./retention.js";

/** The name of the lease under which cluster-wide housekeeping runs. */
export const MAINTENANCE_LEASE = "maintenance";

export interface MaintenanceNode {
  /** The node's worker id: its name as lease holder and in the node registry. */
  id: string;
  /** The node's clock skew against the database, reported at each registry heartbeat. */
  clockSkewMs: () => number;
  /** How often the holder looks for expired job leases. */
  reapIntervalMs: number;
  /** Called when the reaper took jobs back (or waiting jobs became queued), so local workers look at once. */
  onReaped: () => void;
  /** Where the reaper counts lease expiries. */
  metrics?: MetricsSink;
  /** More housekeeping run only by the lease holder (alert evaluation). @defaultValue [] */
  leasedTasks?: LeasedTask[];
}

/** A periodic pass that runs only on the maintenance lease holder. */
export interface LeasedTask {
  /** What it does, for the log line of a failed pass. */
  what: string;
  intervalMs: number;
  pass: (signal: AbortSignal) => Promise<unknown>;
}

/**
 * Housekeeping, leased (DESIGN.md §2): every node runs this, contends for the "maintenance"
 * lease, and only the holder runs the housekeeping tasks — the expired-lease reaper, the sweep
 * of waiting jobs whose dependencies finished, retention (old finished jobs and alert history,
 * stale nodes) and alert evaluation. Losing the lease stops them; stopping the node releases it
 * so another node takes over at once. Every node, holder or not, keeps its row in the node
 * registry fresh.
 */
export class Maintenance {
  readonly #lease: MaintenanceLease;
  readonly #registry: NodeRegistry;
  readonly #housekeeping: PeriodicTask[];

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    logger: Logger,
    settings: MaintenanceSettings,
    node: MaintenanceNode,
  ) {
    const log = logger.child({ component: "maintenance" });
    const reaper = new LeaseReaper(store, clock, logger, node.onReaped, node.metrics);
    const retention = new Retention(store, clock, log, settings);
    const dependencies = new DependencySweep(store.dependencies, clock, log, node.onReaped);
    this.#housekeeping = [
      new PeriodicTask(clock, log, "reaping expired leases", node.reapIntervalMs, (signal) =>
        reaper.reapOnce(signal),
      ),
      // Same period as the reaper: both bound how long a crash can delay a job.
      new PeriodicTask(clock, log, "resolving waiting jobs", node.reapIntervalMs, (signal) =>
        dependencies.sweepOnce(signal),
      ),
      new PeriodicTask(clock, log, "retention", settings.retentionIntervalMs, (signal) =>
        retention.pruneOnce(signal),
      ),
      ...(node.leasedTasks ?? []).map(
        (task) => new PeriodicTask(clock, log, task.what, task.intervalMs, task.pass),
      ),
    ];
    this.#lease = new MaintenanceLease(
      store.maintenance,
      clock,
      log,
      MAINTENANCE_LEASE,
      node.id,
      settings.leaseTtlMs,
      {
        onAcquired: () => this.#housekeeping.forEach((task) => void task.start()),
        onLost: async () => {
          await Promise.all(this.#housekeeping.map((task) => task.stop()));
        },
      },
    );
    this.#registry = new NodeRegistry(
      store.maintenance,
      clock,
      log,
      node.id,
      settings.nodeHeartbeatMs,
      node.clockSkewMs,
    );
  }

  /** Registers the node and makes a first try for the lease; resolves when both are done. */
  async start(): Promise<void> {
    await Promise.all([this.#registry.start(), this.#lease.start()]);
  }

  /** Stops the housekeeping tasks, releases the lease if held, and leaves the node registry. */
  async stop(): Promise<void> {
    await this.#lease.stop();
    await this.#registry.stop();
  }

  /** The fence of this node's tenure, or null when it does not hold the lease. */
  get fence(): number | null {
    return this.#lease.fence;
  }

  /** Who holds the maintenance lease now; null when nobody does (released, or expired). */
  async holder(): Promise<LeaseHolder | null> {
    const holder = await this.store.maintenance.leaseHolder(MAINTENANCE_LEASE);
    return holder !== null && holder.expiresAt.getTime() > this.clock.now() ? holder : null;
  }

  listNodes(): Promise<NodeInfo[]> {
    return this.store.maintenance.listNodes();
  }
}
