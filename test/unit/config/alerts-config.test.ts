import { describe, expect, it } from "vitest";
import { taskFlowOptionsOf } from "../../../src/config/service-config.js";
import { parse, problemsOf, yaml } from "./config-fixtures.js";

describe("the alerts section of taskflow.yaml", () => {
  it("reads channels (secrets from the environment), routes, rules and silences into TaskFlow options", () => {
    const config = parse(
      yaml(
        "alerts:",
        "  channels:",
        "    ops: { type: webhook, url: https://hooks.example.com/taskflow, secret: '${HOOK_SECRET}' }",
        "  routes:",
        "    P1: { channels: [ops], escalateAfter: 15m }",
        "  rules:",
        "    job-dead: { severity: P0 }",
        "    oldest-waiting: { threshold: 30m }",
        "    occurrence-missed: { severity: P0 }",
        "    occurrence-skipped: { enabled: false }",
        "  silences:",
        "    - { matchers: { task: backup }, from: '2030-01-02T01:00:00Z', until: '2030-01-02T05:00:00Z' }",
        "  publicUrl: https://taskflow.example.com",
      ),
      { HOOK_SECRET: "s3cret" },
    );
    expect(taskFlowOptionsOf(config).alerts).toMatchObject({
      channels: { ops: { type: "webhook", url: "https://hooks.example.com/taskflow", secret: "s3cret" } },
      routes: { P1: { channels: ["ops"], escalateAfter: "15m" } },
      rules: {
        "job-dead": { severity: "P0" },
        "oldest-waiting": { threshold: "30m" },
        "occurrence-missed": { severity: "P0" },
        "occurrence-skipped": { enabled: false },
      },
      silences: [{ matchers: { task: "backup" } }],
      publicUrl: "https://taskflow.example.com",
    });
  });

  it("points at a route naming an undefined channel, a bad channel field and an unknown rule", () => {
    const problems = problemsOf(
      yaml(
        "alerts:",
        "  channels:",
        "    ops: { type: webhook, url: not-a-url }",
        "  routes:",
        "    P0: { channels: [pager] }",
        "  rules:",
        "    job-deadd: { severity: P0 }",
      ),
    );
    const paths = problems.map((problem) => problem.path);
    expect(paths).toContain("alerts.rules.job-deadd");
    expect(paths.some((path) => path.startsWith("alerts.channels.ops"))).toBe(true);
    const channelProblem = problems.find((problem) => problem.path.startsWith("alerts.channels.ops"));
    expect(channelProblem?.line).toBe(3);
  });

  it("refuses a route to a channel that is not defined", () => {
    const problems = problemsOf(yaml("alerts:", "  routes:", "    P0: { channels: [pager] }"));
    expect(problems).toEqual([expect.objectContaining({ path: "alerts.routes.P0.channels", line: 3 })]);
    expect(problems[0]?.message).toContain("'pager'");
  });
});
