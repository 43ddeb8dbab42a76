import type { Logger } from "pino";
import { Registry } from "prom-client";
import { parseDuration, type Duration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { LeaseHolder } from "../store/maintenance-store.js";
import { QUEUE_COUNT_CAP } from "../store/overview-store.js";
import type { Store } from "../store/store.js";
import type { Clock } from "../time/clock.js";
import { ClusterGauges } from "./cluster-gauges.js";
import { createMetricSet, METRIC_PREFIX } from "./metrics.js";
import type { MetricsSink } from "./metrics-sink.js";
import { PrometheusSink } from "./prometheus-sink.js";

export interface MetricsOptions {
  /**
   * The prom-client registry TaskFlow registers its metrics in (to serve them from your own
   * `/metrics`, next to your app's). It must not hold another TaskFlow's metrics already.
   * @defaultValue a new Registry of this instance (`tf.metrics`)
   */
  registry?: Registry;
  /**
   * How long one reading of the cluster-wide gauges (queue depth, oldest waiting, live nodes,
   * lease holder) from the store serves scrapes. `0` reads at every scrape. At most 1h.
   * @defaultValue "5s"
   */
  clusterStatsTtl?: Duration;
}

export interface MetricsSettings {
  registry: Registry;
  clusterStatsTtlMs: number;
}

const MAX_TTL_MS = 3_600_000;
/** A metric that exists in every TaskFlow metric set: finding it means the registry is taken. */
const MARKER = `${METRIC_PREFIX}jobs_enqueued_total`;

export function resolveMetricsOptions(options: MetricsOptions = {}): MetricsSettings {
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw invalid("metrics", 'metrics must be an object like { registry, clusterStatsTtl: "5s" }');
  const registry = options.registry ?? new Registry();
  if (typeof registry.registerMetric !== "function" || typeof registry.getSingleMetric !== "function")
    throw invalid("metrics.registry", "metrics.registry must be a prom-client Registry");
  if (registry.getSingleMetric(MARKER) !== undefined)
    throw invalid(
      "metrics.registry",
      "metrics.registry already holds the metrics of another TaskFlow: give each instance its own registry (Registry.merge serves several together)",
    );
  const clusterStatsTtlMs = parseDuration(options.clusterStatsTtl ?? "5s", "metrics.clusterStatsTtl");
  if (clusterStatsTtlMs > MAX_TTL_MS)
    throw invalid(
      "metrics.clusterStatsTtl",
      `metrics.clusterStatsTtl must be at most 1h, got ${clusterStatsTtlMs} ms`,
    );
  return { registry, clusterStatsTtlMs };
}

/** What the metrics of one node read besides the store. */
export interface MetricsNode {
  clock: Clock;
  logger: Logger;
  store: Store;
  /** The maintenance lease's holder now (null when none, or expired). */
  leaseHolder(): Promise<LeaseHolder | null>;
  /** Whether this node holds the maintenance lease. */
  holdsLease(): boolean;
  /** This node's wall clock minus the database clock, in ms. */
  clockSkewMs(): number;
  /** A node seen in the registry within this long counts as live. */
  liveNodeWindowMs: number;
}

/**
 * The metrics of one TaskFlow instance: its registry, the sink the engine reports to, and the
 * gauges computed at scrape time.
 */
export class TaskFlowMetrics {
  readonly registry: Registry;
  readonly sink: MetricsSink;

  constructor(settings: MetricsSettings, node: MetricsNode) {
    this.registry = settings.registry;
    let cluster: ClusterGauges | null = null;
    let sink: PrometheusSink | null = null;
    const metrics = createMetricSet(settings.registry, {
      cluster: () => cluster?.refresh() ?? Promise.resolve(),
      local: () => {
        metrics.clockSkew.set(node.clockSkewMs() / 1000);
        metrics.leaseHeld.set(node.holdsLease() ? 1 : 0);
      },
      jobCounts: () => sink?.addJobCounts(),
    });
    cluster = new ClusterGauges(
      metrics,
      {
        queueDepths: (now) => node.store.overview.queueDepths(now, QUEUE_COUNT_CAP),
        listNodes: () => node.store.maintenance.listNodes(),
        leaseHolder: () => node.leaseHolder(),
        circuitBreakers: () => node.store.countCircuitBreakers(),
      },
      node.clock,
      node.logger.child({ component: "metrics" }),
      { ttlMs: settings.clusterStatsTtlMs, liveNodeWindowMs: node.liveNodeWindowMs },
    );
    this.sink = sink = new PrometheusSink(metrics);
  }
}

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option } });
}
