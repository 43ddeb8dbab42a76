import { parseDuration, type Duration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { SilenceMatchers } from "../store/alert-store.js";
import { Severity, type ChannelConfig } from "./notification.js";
import { ALERT_RULES, type AlertRuleName } from "./alert-rules.js";

/** One rule's settings. Which fields a rule reads is listed in docs/alerting.md. */
export interface AlertRuleOptions {
  /** @defaultValue true */
  enabled?: boolean;
  /** The tier its alerts go to. @defaultValue per rule (docs/alerting.md) */
  severity?: Severity;
  /** `occurrence-late`: how late a start counts; `clock-skew`: how much skew; `oldest-waiting`: how long a due job waits. */
  threshold?: Duration;
  /** Events of one group within this window make one message; more after it make one update. @defaultValue alerts.groupWindow */
  groupWindow?: Duration;
  /** Event rules: an alert with no new event for this long is resolved. @defaultValue "1h" */
  resolveAfter?: Duration;
}

export interface AlertRouteOptions {
  /** Channel names (from `alerts.channels`) this tier's messages go to. @defaultValue [] */
  channels?: string[];
  /** A firing alert of this tier not acknowledged after this long goes to the next tier up. @defaultValue never */
  escalateAfter?: Duration;
}

/** A silence from the configuration: alerts it matches are recorded but not sent while it lasts. */
export interface ConfiguredSilence {
  matchers: SilenceMatchers;
  /** ISO-8601 time or a Date. */
  from: string | Date;
  until: string | Date;
  comment?: string;
}

/** The `alerts` options (taskflow.yaml `alerts:`); docs/alerting.md and docs/configuration.md. */
export interface AlertOptions {
  /** Alert evaluation on the maintenance lease holder. @defaultValue true */
  enabled?: boolean;
  /** Channels by name. None: alerts are recorded and visible in the API, nothing is sent. */
  channels?: Record<string, ChannelConfig>;
  /** Which channels each tier goes to, and when it escalates. */
  routes?: Partial<Record<Severity, AlertRouteOptions>>;
  rules?: Partial<Record<AlertRuleName, AlertRuleOptions>>;
  silences?: ConfiguredSilence[];
  /** Channel targets allowed although private or loopback (as `executors.http.allow`). @defaultValue [] */
  allow?: string[];
  /** The dashboard's public base URL, for links in messages. @defaultValue none (no links) */
  publicUrl?: string;
  /** How often the lease holder evaluates the rules. @defaultValue "15s" */
  evaluateEvery?: Duration;
  /** See `AlertRuleOptions.groupWindow`. @defaultValue "5m" */
  groupWindow?: Duration;
  delivery?: {
    /** Attempts per message before it is marked `failed`. @defaultValue 10 */
    maxAttempts?: number;
    /** The first retry's delay; each next one doubles, up to `maxBackoff`. @defaultValue "10s" */
    backoff?: Duration;
    /** @defaultValue "10m" */
    maxBackoff?: Duration;
    /** Time for one delivery. @defaultValue "10s" */
    timeout?: Duration;
    /** How often every node looks for due messages (it is also woken when one is written). @defaultValue "5s" */
    pollEvery?: Duration;
  };
}

export interface ResolvedRule {
  name: AlertRuleName;
  enabled: boolean;
  severity: Severity;
  thresholdMs: number;
  groupWindowMs: number;
  resolveAfterMs: number;
}

export interface ResolvedSilence {
  matchers: SilenceMatchers;
  startsAt: number;
  endsAt: number;
}

export interface AlertSettings {
  enabled: boolean;
  channels: Record<string, ChannelConfig>;
  routes: Record<Severity, { channels: string[]; escalateAfterMs: number | null }>;
  rules: Record<AlertRuleName, ResolvedRule>;
  silences: ResolvedSilence[];
  allow: string[];
  publicUrl: string | null;
  evaluateEveryMs: number;
  delivery: {
    maxAttempts: number;
    backoffMs: number;
    maxBackoffMs: number;
    timeoutMs: number;
    pollEveryMs: number;
  };
}

const SEVERITIES = Object.values(Severity);

export function resolveAlertOptions(options: AlertOptions = {}): AlertSettings {
  const channels = options.channels ?? {};
  const routes = {} as AlertSettings["routes"];
  for (const tier of SEVERITIES) {
    const route = options.routes?.[tier] ?? {};
    for (const name of route.channels ?? []) {
      if (!(name in channels)) {
        throw invalid(
          `alerts.routes.${tier}.channels`,
          `alerts.routes.${tier} names channel '${name}', which alerts.channels does not define`,
        );
      }
    }
    routes[tier] = {
      channels: route.channels ?? [],
      escalateAfterMs:
        route.escalateAfter === undefined
          ? null
          : parseDuration(route.escalateAfter, `alerts.routes.${tier}.escalateAfter`),
    };
  }
  const groupWindowMs = parseDuration(options.groupWindow ?? "5m", "alerts.groupWindow");
  const rules = {} as AlertSettings["rules"];
  for (const [name, rule] of Object.entries(ALERT_RULES) as [
    AlertRuleName,
    (typeof ALERT_RULES)[AlertRuleName],
  ][]) {
    const given = options.rules?.[name] ?? {};
    const where = `alerts.rules.${name}`;
    if (given.severity !== undefined && !SEVERITIES.includes(given.severity)) {
      throw invalid(`${where}.severity`, `${where}.severity must be one of ${SEVERITIES.join(", ")}`);
    }
    rules[name] = {
      name,
      enabled: given.enabled ?? true,
      severity: given.severity ?? rule.severity,
      thresholdMs: parseDuration(given.threshold ?? rule.threshold, `${where}.threshold`),
      groupWindowMs:
        given.groupWindow === undefined
          ? groupWindowMs
          : parseDuration(given.groupWindow, `${where}.groupWindow`),
      resolveAfterMs: parseDuration(given.resolveAfter ?? "1h", `${where}.resolveAfter`),
    };
  }
  for (const name of Object.keys(options.rules ?? {})) {
    if (!(name in ALERT_RULES))
      throw invalid(
        `alerts.rules.${name}`,
        `unknown alert rule '${name}'; known: ${Object.keys(ALERT_RULES).join(", ")}`,
      );
  }
  const delivery = options.delivery ?? {};
  const maxAttempts = delivery.maxAttempts ?? 10;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw invalid(
      "alerts.delivery.maxAttempts",
      "alerts.delivery.maxAttempts must be a whole number of at least 1",
    );
  }
  return {
    enabled: options.enabled ?? true,
    channels,
    routes,
    rules,
    silences: (options.silences ?? []).map((silence, index) =>
      resolveSilence(silence, `alerts.silences[${index}]`),
    ),
    allow: options.allow ?? [],
    publicUrl: options.publicUrl?.replace(/\/+$/, "") ?? null,
    evaluateEveryMs: Math.max(100, parseDuration(options.evaluateEvery ?? "15s", "alerts.evaluateEvery")),
    delivery: {
      maxAttempts,
      backoffMs: parseDuration(delivery.backoff ?? "10s", "alerts.delivery.backoff"),
      maxBackoffMs: parseDuration(delivery.maxBackoff ?? "10m", "alerts.delivery.maxBackoff"),
      timeoutMs: Math.max(1, parseDuration(delivery.timeout ?? "10s", "alerts.delivery.timeout")),
      pollEveryMs: Math.max(100, parseDuration(delivery.pollEvery ?? "5s", "alerts.delivery.pollEvery")),
    },
  };
}

function resolveSilence(silence: ConfiguredSilence, where: string): ResolvedSilence {
  const startsAt = new Date(silence.from).getTime();
  const endsAt = new Date(silence.until).getTime();
  if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt) || endsAt <= startsAt) {
    throw invalid(where, `${where} needs 'from' before 'until', both ISO-8601 times`);
  }
  return { matchers: silence.matchers, startsAt, endsAt };
}

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option } });
}
