/**
 * What the alert engine hands to a channel, and what a channel is. The engine (rules,
 * grouping, silences, escalation, the outbox) decides *what* to say and *when*; a channel
 * (webhook, Slack, WeCom, DingTalk, Feishu/Lark, email) only says it, once per call, and
 * reports how that went. Channels never retry on their own: the outbox retries, with backoff,
 * and records every attempt.
 */

/** Severity tiers, most urgent first. */
export const Severity = { P0: "P0", P1: "P1", P2: "P2" } as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

/** Whether the condition holds now (`firing`), or has cleared (`resolved`). */
export const AlertStatus = { Firing: "firing", Resolved: "resolved" } as const;
export type AlertStatus = (typeof AlertStatus)[keyof typeof AlertStatus];

/** One message to deliver: a group of like events (one per group key and window), or its resolution. */
export interface AlertNotification {
  /** Stable id of this message (its outbox row): the same on every delivery attempt, so a receiver can drop repeats. */
  id: string;
  status: AlertStatus;
  severity: Severity;
  /** Set when the message was escalated: the tier it was first sent at. */
  escalatedFrom: Severity | null;
  /** The rule's name, e.g. `job-dead`. */
  rule: string;
  /** What grouped these events, e.g. `job-dead:task=send-email`. */
  groupKey: string;
  /** One line a person reads first, e.g. `Job send-email went dead (3 times)`. */
  title: string;
  /** A few lines: what happened, the error, what to look at. Plain text. */
  summary: string;
  /** How many events this message stands for (500 failures of one task: one message, count 500). */
  count: number;
  /** The first and the last event in the group. */
  firstAt: Date;
  lastAt: Date;
  /** What the message is about, where known. */
  subject: {
    task: string | null;
    scheduleId: string | null;
    queue: string | null;
    /** The latest job of the group. */
    jobId: string | null;
    attempt: number | null;
    /** The latest error message (already redacted of secrets). */
    error: string | null;
  };
  /** A link to the run (or schedule) in the dashboard, when `server.publicUrl` is known. */
  link: string | null;
  /** Bounded extra labels (e.g. `node`, `skewMs`), printed by templates that have room. */
  labels: Record<string, string>;
}

/** The kinds of channel. */
export const ChannelType = {
  Webhook: "webhook",
  Slack: "slack",
  WeCom: "wecom",
  DingTalk: "dingtalk",
  Feishu: "feishu",
  Email: "email",
} as const;
export type ChannelType = (typeof ChannelType)[keyof typeof ChannelType];

/** A channel's settings, as taskflow.yaml and the API give them (secrets already substituted). */
export type ChannelConfig =
  | {
      type: "webhook";
      url: string;
      /** HMAC-SHA256 key; the request carries `X-TaskFlow-Timestamp` and `X-TaskFlow-Signature`. */
      secret?: string;
      headers?: Record<string, string>;
    }
  | { type: "slack"; url: string }
  | { type: "wecom"; url: string; mentionedMobiles?: string[] }
  | { type: "dingtalk"; url: string; secret?: string; atMobiles?: string[] }
  | { type: "feishu"; url: string; secret?: string }
  | {
      type: "email";
      smtp: {
        host: string;
        port: number;
        secure?: boolean;
        user?: string;
        password?: string;
        /** Refuse to send unless STARTTLS upgrades the connection. @defaultValue true when `user` is set and `secure` is not */
        requireTLS?: boolean;
        /** PEM certificate(s) of a private CA to trust for the server's certificate. @defaultValue the system's CAs */
        ca?: string;
      };
      from: string;
      to: string[];
    };

/** How one delivery attempt went; the outbox records it. */
export interface DeliveryReport {
  /** The HTTP status or SMTP reply code, where there was one. */
  status: number | null;
  /** A short, secret-free line about the answer (the receiver's error text, truncated). */
  detail: string;
}

/**
 * A channel delivers one notification per call. It resolves with a report when the receiver
 * accepted the message, and throws `ChannelDeliveryError` when it did not (saying whether a
 * retry may help). It honours `signal` (a delivery timeout).
 */
export interface AlertChannel {
  readonly name: string;
  readonly type: ChannelType;
  send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport>;
}

/** A delivery the receiver refused or that never reached it. */
export class ChannelDeliveryError extends Error {
  readonly report: DeliveryReport;
  /** False when trying again cannot help (a 4xx other than 408/429, a bad signature, an unknown recipient). */
  readonly retryable: boolean;
  /**
   * How long the receiver asked us to wait before trying again (`Retry-After` with a 429 or
   * 503), in ms from when it answered; null when it did not say. The outbox honours it.
   */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    report: DeliveryReport,
    retryable: boolean,
    options: { cause?: unknown; retryAfterMs?: number | null } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ChannelDeliveryError";
    this.report = report;
    this.retryable = retryable;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}
