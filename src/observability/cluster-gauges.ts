import type { Logger } from "pino";
import type { LeaseHolder, NodeInfo } from "../store/maintenance-store.js";
import type { QueueDepths } from "../store/overview-store.js";
import type { CircuitState } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import type { MetricSet } from "./metrics.js";

/** Where the cluster-wide gauges come from: the store, read at scrape time. */
export interface ClusterSource {
  queueDepths(now: number): Promise<QueueDepths>;
  listNodes(): Promise<NodeInfo[]>;
  /** The holder of the maintenance lease now (an expired lease is no holder). */
  leaseHolder(): Promise<LeaseHolder | null>;
  circuitBreakers(): Promise<{ task: string; state: CircuitState; breakers: number }[]>;
}

export interface ClusterGaugeSettings {
  /** A reading of the store serves every scrape within this long. */
  ttlMs: number;
  /** A node seen in the registry within this long is live. */
  liveNodeWindowMs: number;
}

/**
 * The gauges every node computes from the store when scraped: queue depth and oldest-waiting
 * age per task and queue, live nodes, the maintenance lease, the largest clock skew, circuit
 * breakers by task and state. One reading
 * (one aggregate query over queued rows, capped, plus the node registry and the lease row)
 * serves all of them and every scrape within `ttlMs`, so frequent scrapes of many nodes do not
 * load the database. A failed reading drops the per-queue series and sets the others to NaN
 * (unknown: stale figures would mislead, and a 0 would fire "no live node"), and sets
 * `taskflow_cluster_stats_up` to 0; the scrape itself still answers.
 */
export class ClusterGauges {
  #reading: { at: number; done: Promise<void> } | null = null;

  constructor(
    private readonly metrics: MetricSet,
    private readonly source: ClusterSource,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: ClusterGaugeSettings,
  ) {}

  /** Brings the gauges up to date, reading the store unless a reading within the TTL exists. */
  refresh(): Promise<void> {
    const now = this.clock.now();
    const last = this.#reading;
    // A clock that went backwards also forces a new reading.
    if (last !== null && now >= last.at && now - last.at < this.settings.ttlMs) return last.done;
    const done = this.#read(now);
    this.#reading = { at: now, done };
    return done;
  }

  async #read(now: number): Promise<void> {
    try {
      const [depths, nodes, holder, breakers] = await Promise.all([
        this.source.queueDepths(now),
        this.source.listNodes(),
        this.source.leaseHolder(),
        this.source.circuitBreakers(),
      ]);
      this.#set(now, depths, nodes, holder);
      for (const row of breakers)
        this.metrics.circuitBreakers.set({ task: row.task, state: row.state }, row.breakers);
    } catch (error) {
      this.logger.warn({ err: error }, "metrics: reading the cluster-wide gauges from the store failed");
      this.#clearQueues();
      const m = this.metrics;
      for (const gauge of [m.queueDepthCapped, m.liveNodes, m.maxClockSkew, m.leaseHolders]) gauge.set(NaN);
      m.clusterStatsUp.set(0);
    }
  }

  #set(now: number, depths: QueueDepths, nodes: NodeInfo[], holder: LeaseHolder | null): void {
    const m = this.metrics;
    this.#clearQueues();
    for (const group of depths.groups) {
      const labels = { task: group.task, queue: group.queue };
      m.queueDepth.set({ ...labels, status: "ready" }, group.ready);
      m.queueDepth.set({ ...labels, status: "delayed" }, group.delayed);
      const oldest = group.oldestReadyRunAt?.getTime() ?? now;
      m.queueOldestWaiting.set(labels, Math.max(0, now - oldest) / 1000);
    }
    m.queueDepthCapped.set(depths.capped ? 1 : 0);
    const live = nodes.filter((node) => now - node.lastSeenAt.getTime() <= this.settings.liveNodeWindowMs);
    m.liveNodes.set(live.length);
    m.maxClockSkew.set(Math.max(0, ...live.map((node) => Math.abs(node.clockSkewMs))) / 1000);
    m.leaseHolders.set(holder === null ? 0 : 1);
    m.clusterStatsUp.set(1);
  }

  /** A (task, queue) with no queued job left has no series, rather than a stale one; so for breakers. */
  #clearQueues(): void {
    this.metrics.queueDepth.reset();
    this.metrics.queueOldestWaiting.reset();
    this.metrics.circuitBreakers.reset();
  }
}
