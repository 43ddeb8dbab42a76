// The Grafana dashboard and the Prometheus alert rules under deploy/ reference only metrics that
// TaskFlow defines: a renamed metric or a typo fails here, not silently on a user's dashboard.
import { readFileSync } from "node:fs";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createMetricSet } from "../../src/observability/metrics.js";

const DEPLOY = new URL("../../deploy/", import.meta.url);
const HISTOGRAM_SERIES = ["_bucket", "_sum", "_count"];

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(new URL("grafana/taskflow-dashboard.json", DEPLOY), "utf8")) as {
    panels: unknown[];
    templating: { list: { type: string; definition?: string }[] };
  };
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === "object" && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === "expr" && typeof value === "string") found.push(value);
        else walk(value);
      }
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list)
    if (variable.type === "query" && variable.definition !== undefined) found.push(variable.definition);
  return found;
}

function alertExpressions(): { alert: string; expr: string }[] {
  const rules = parse(readFileSync(new URL("prometheus/taskflow-alerts.yml", DEPLOY), "utf8")) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((group) => group.rules);
}

const metricNames = (expr: string) => [...expr.matchAll(/\btaskflow_[a-zA-Z0-9_]+/g)].map((m) => m[0]);

/** The names in `expressions` that are neither a TaskFlow metric nor a series of a TaskFlow histogram. */
function unknownMetrics(registry: Registry, expressions: string[]): string[] {
  const known = (name: string): boolean => {
    if (registry.getSingleMetric(name) !== undefined) return true;
    const suffix = HISTOGRAM_SERIES.find((s) => name.endsWith(s));
    if (suffix === undefined) return false;
    const base = registry.getSingleMetric(name.slice(0, -suffix.length));
    return (base as { type?: unknown } | undefined)?.type === "histogram";
  };
  return [...new Set(expressions.flatMap(metricNames))].filter((name) => !known(name));
}

describe("deploy/ dashboard and alert rules", () => {
  const registry = new Registry();
  createMetricSet(registry);

  it("reference only metrics TaskFlow defines (histogram series included)", () => {
    const expressions = [...dashboardExpressions(), ...alertExpressions().map((rule) => rule.expr)];
    expect(unknownMetrics(registry, expressions)).toEqual([]);
  });

  it("has a dashboard panel for throughput, failures, dead, queue depth, oldest waiting, run duration p95, fire lateness p99, live nodes and skew", () => {
    const used = new Set(dashboardExpressions().flatMap(metricNames));
    for (const name of [
      "taskflow_jobs_succeeded_total",
      "taskflow_jobs_failed_total",
      "taskflow_jobs_dead_total",
      "taskflow_queue_depth",
      "taskflow_queue_oldest_waiting_seconds",
      "taskflow_job_run_duration_seconds_bucket",
      "taskflow_schedule_fire_lateness_seconds_bucket",
      "taskflow_nodes_live",
      "taskflow_clock_skew_seconds",
    ])
      expect([name, used.has(name)]).toEqual([name, true]);
    const expressions = dashboardExpressions().join("\n");
    expect(expressions).toContain(
      "histogram_quantile(0.95, sum by (le, task) (rate(taskflow_job_run_duration",
    );
    expect(expressions).toContain("histogram_quantile(0.99, sum by (le, task) (rate(taskflow_schedule_fire");
  });

  it("has example alerts for dead jobs, old waiting jobs, no live node, no lease holder, clock skew and fire lateness", () => {
    const rules = alertExpressions();
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        "TaskFlowJobsDead",
        "TaskFlowQueueOldestWaitingTooOld",
        "TaskFlowNoLiveNode",
        "TaskFlowNoMaintenanceLeaseHolder",
        "TaskFlowClockSkew",
        "TaskFlowFireLateness",
      ]),
    );
    for (const rule of rules)
      expect([rule.alert, metricNames(rule.expr).length > 0]).toEqual([rule.alert, true]);
  });

  it("catches a misspelt metric, and a histogram suffix on a metric that is no histogram", () => {
    expect(
      unknownMetrics(registry, [
        "sum(rate(taskflow_jobs_succeded_total[5m]))",
        "taskflow_jobs_dead_total_bucket",
        "taskflow_queue_depth_sum",
        "histogram_quantile(0.9, rate(taskflow_job_queue_wait_seconds_bucket[5m]))",
      ]),
    ).toEqual([
      "taskflow_jobs_succeded_total",
      "taskflow_jobs_dead_total_bucket",
      "taskflow_queue_depth_sum",
    ]);
  });
});
