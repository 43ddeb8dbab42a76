import { Type } from "@sinclair/typebox";
import { ALERT_RULES } from "../alerts/alert-rules.js";
import { ChannelConfigSchema } from "../alerts/channels/channel-config-schema.js";
import { duration, names, oneOf, strict } from "./schema-kinds.js";

// The `alerts:` section of taskflow.yaml (docs/alerting.md, docs/configuration.md). Shapes only:
// resolveAlertOptions checks the meaning (routes name defined channels, silences end after they start).

const SEVERITIES = ["P0", "P1", "P2"] as const;

const RouteSchema = Type.Object(
  {
    channels: Type.Optional(names("channels this tier's messages go to", [])),
    escalateAfter: Type.Optional(duration("unacknowledged this long: escalate to the next tier up")),
  },
  strict,
);

const RuleSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true })),
    severity: Type.Optional(oneOf(SEVERITIES, "the tier of this rule's alerts")),
    threshold: Type.Optional(duration("occurrence-late, clock-skew, oldest-waiting: the threshold")),
    groupWindow: Type.Optional(duration("one message per group per window (default: alerts.groupWindow)")),
    resolveAfter: Type.Optional(duration("event rules: resolved after this long without a new event", "1h")),
  },
  strict,
);

const SilenceSchema = Type.Object(
  {
    matchers: Type.Object(
      {
        rule: Type.Optional(Type.String()),
        task: Type.Optional(Type.String()),
        schedule: Type.Optional(Type.String()),
        severity: Type.Optional(oneOf(SEVERITIES, "silence alerts of this tier")),
      },
      { ...strict, description: "every matcher given must match; none: every alert" },
    ),
    from: Type.String({ description: "ISO-8601 start" }),
    until: Type.String({ description: "ISO-8601 end" }),
    comment: Type.Optional(Type.String()),
  },
  strict,
);

export const AlertsSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ description: "evaluate alert rules", default: true })),
    channels: Type.Optional(
      Type.Record(Type.String(), ChannelConfigSchema, { description: "alert channels by name", default: {} }),
    ),
    routes: Type.Optional(
      Type.Object(
        { P0: Type.Optional(RouteSchema), P1: Type.Optional(RouteSchema), P2: Type.Optional(RouteSchema) },
        { ...strict, description: "channels and escalation per tier" },
      ),
    ),
    rules: Type.Optional(
      Type.Object(
        Object.fromEntries(Object.keys(ALERT_RULES).map((name) => [name, Type.Optional(RuleSchema)])),
        { ...strict, description: "settings per rule" },
      ),
    ),
    silences: Type.Optional(Type.Array(SilenceSchema, { default: [] })),
    allow: Type.Optional(
      names("private or loopback channel targets allowed anyway: host:port, host, or CIDR", []),
    ),
    publicUrl: Type.Optional(
      Type.String({ description: "the dashboard's public URL, for links in messages" }),
    ),
    evaluateEvery: Type.Optional(duration("how often the lease holder evaluates the rules", "15s")),
    groupWindow: Type.Optional(duration("one message per alert group per window", "5m")),
    delivery: Type.Optional(
      Type.Object(
        {
          maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
          backoff: Type.Optional(duration("the first retry's delay, doubled at each next one", "10s")),
          maxBackoff: Type.Optional(duration("the longest delay between retries", "10m")),
          timeout: Type.Optional(duration("time for one delivery", "10s")),
          pollEvery: Type.Optional(duration("how often each node looks for due messages", "5s")),
        },
        strict,
      ),
    ),
  },
  { ...strict, description: "alert rules, tiers, channels and silences (docs/alerting.md)" },
);
