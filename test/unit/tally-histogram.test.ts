// The histogram TaskFlow observes once per attempt: what a scrape reads from it must be what
// prom-client's own Histogram exposes for the same observations, in both exposition formats and
// as JSON (what AggregatorRegistry merges across cluster workers).
import { Histogram, Registry, type RegistryContentType } from "prom-client";
import { describe, expect, it } from "vitest";
import { TallyHistogram } from "../../src/observability/tally-histogram.js";

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVED: [{ task: string; queue: string }, number][] = [
  [{ task: "email.send", queue: "default" }, 0],
  [{ task: "email.send", queue: "default" }, 0.001],
  [{ task: "email.send", queue: "default" }, 0.0010001],
  [{ task: "email.send", queue: "default" }, 0.5],
  [{ task: "email.send", queue: "bulk" }, 7],
  [{ task: 'report "q3"\nline', queue: "default" }, 0.05],
];

function registries(contentType: RegistryContentType = Registry.PROMETHEUS_CONTENT_TYPE) {
  const ours = new Registry<RegistryContentType>();
  const theirs = new Registry<RegistryContentType>();
  ours.setContentType(contentType);
  theirs.setContentType(contentType);
  const tally = new TallyHistogram("wait_seconds", "How long.", ["task", "queue"], BUCKETS, [ours]);
  const reference = new Histogram({
    name: "wait_seconds",
    help: "How long.",
    labelNames: ["task", "queue"],
    buckets: BUCKETS,
    registers: [theirs],
  });
  for (const [labels, value] of OBSERVED) {
    tally.observe(labels, value);
    reference.observe(labels, value);
  }
  return { ours, theirs, tally };
}

/** Exposition lines, each line's labels in name order (the order is not significant). */
function normalized(text: string): string[] {
  return text
    .split("\n")
    .map((line) =>
      line.replace(
        /\{(.*)\}/,
        (_, inner: string) =>
          `{${inner
            .split(/,(?=\w+=")/)
            .sort()
            .join(",")}}`,
      ),
    )
    .sort();
}

describe("TallyHistogram", () => {
  it.each([
    ["Prometheus text", Registry.PROMETHEUS_CONTENT_TYPE],
    ["OpenMetrics", Registry.OPENMETRICS_CONTENT_TYPE],
  ])("exposes the series prom-client's Histogram exposes (%s)", async (_, contentType) => {
    const { ours, theirs } = registries(contentType);
    expect(normalized(await ours.metrics())).toEqual(normalized(await theirs.metrics()));
  });

  it("gives the JSON prom-client's Histogram gives, for AggregatorRegistry", async () => {
    const { ours, theirs } = registries();
    interface MetricJson {
      values: { metricName?: string; labels: Record<string, string | number>; value: number }[];
    }
    const sorted = (json: object[]) =>
      (json as MetricJson[]).map((metric) => ({
        ...metric,
        values: metric.values
          .map((v) => ({
            metricName: v.metricName,
            labels: Object.fromEntries(Object.entries(v.labels).sort(([a], [b]) => a.localeCompare(b))),
            value: v.value,
          }))
          .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      }));
    expect(sorted(await ours.getMetricsAsJSON())).toEqual(sorted(await theirs.getMetricsAsJSON()));
  });

  it("is served by a merged registry", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const tally = new TallyHistogram("wait_seconds", "How long.", ["task"], BUCKETS, [ours]);
    const reference = new Histogram({
      name: "wait_seconds",
      help: "How long.",
      labelNames: ["task"],
      buckets: BUCKETS,
      registers: [theirs],
    });
    tally.observe({ task: "a" }, 0.05);
    reference.observe({ task: "a" }, 0.05);
    const merged = Registry.merge([ours, new Registry()]);
    expect(normalized(await merged.metrics())).toEqual(normalized(await theirs.metrics()));
  });

  it("counts through a kept series, and a value that is not finite not at all", async () => {
    const { ours, tally } = registries();
    const series = tally.series({ task: "email.send", queue: "default" });
    expect(series).toBe(tally.series({ queue: "default", task: "email.send" }));
    series.observe(2);
    series.observe(Number.NaN);
    series.observe(Number.POSITIVE_INFINITY);
    const text = await ours.metrics();
    expect(text).toContain('wait_seconds_count{task="email.send",queue="default"} 5');
    expect(text).toContain('wait_seconds_bucket{task="email.send",queue="default",le="+Inf"} 5');
    expect(text).toContain('wait_seconds_bucket{task="email.send",queue="default",le="1"} 4');
  });

  it("is zeroed by resetMetrics, and a kept series counts on", async () => {
    const { ours, tally } = registries();
    const series = tally.series({ task: "email.send", queue: "bulk" });
    ours.resetMetrics();
    series.observe(0.05);
    const text = await ours.metrics();
    expect(text).toContain('wait_seconds_count{task="email.send",queue="bulk"} 1');
    expect(text).toContain('wait_seconds_count{task="email.send",queue="default"} 0');
    expect(text).toContain('wait_seconds_sum{task="email.send",queue="bulk"} 0.05');
  });

  it("refuses a second metric of its name in a registry", () => {
    const { ours } = registries();
    expect(() => new TallyHistogram("wait_seconds", "Again.", ["task"], BUCKETS, [ours])).toThrow(
      /already been registered/,
    );
  });
});
