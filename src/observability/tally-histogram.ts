import type { Metric, Registry, RegistryContentType } from "prom-client";

/** One label set's buckets: observing costs a bucket search and three additions, nothing allocated. */
export class HistogramSeries<L extends string> {
  /** Per bucket, not cumulative; the last is +Inf. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<L, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }

  /** A value that is not a finite number (a clock gone wrong) is not counted. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }
}

/**
 * A Prometheus histogram for values observed once per job attempt. prom-client's Histogram
 * validates and hashes the label object on every observation, which made metrics about a tenth
 * of a worker's CPU on no-op jobs (`npm run bench:drain`); here a caller keeps the series of a
 * label set and observes through it. It is registered in a prom-client Registry next to
 * prom-client's own metrics and exposes the same series (`_bucket` with `le`, `_sum`, `_count`).
 */
export class TallyHistogram<L extends string> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly buckets: readonly number[];
  readonly #series = new Map<string, HistogramSeries<L>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    buckets: readonly number[],
    registers: Registry<RegistryContentType>[],
  ) {
    this.buckets = [...buckets].sort((a, b) => a - b);
    // prom-client's Registry reads a metric through name, help, type, aggregator, get() and reset().
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The series of `labels` (made on first use, then the same object): keep it to observe cheaply. */
  series(labels: Readonly<Record<L, string>>): HistogramSeries<L> {
    const key = this.labelNames.map((name) => labels[name]).join("\u0000");
    let series = this.#series.get(key);
    if (series === undefined) {
      const own = Object.fromEntries(this.labelNames.map((name) => [name, labels[name]]));
      series = new HistogramSeries(own as Record<L, string>, this.buckets);
      this.#series.set(key, series);
    }
    return series;
  }

  observe(labels: Readonly<Record<L, string>>, value: number): void {
    this.series(labels).observe(value);
  }

  get(): Promise<{
    name: string;
    help: string;
    type: "histogram";
    aggregator: "sum";
    values: { metricName: string; labels: Record<string, string | number>; value: number }[];
  }> {
    const values = [];
    for (const series of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += series.counts[i]!;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...series.labels, le: this.buckets[i] ?? "+Inf" },
          value: cumulative,
        });
      }
      values.push(
        { metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum },
        { metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }

  /** Zeroes every series (prom-client's `registry.resetMetrics()`); a series a caller keeps stays in use. */
  reset(): void {
    for (const series of this.#series.values()) series.reset();
  }
}
