import { ChannelDeliveryError, type DeliveryReport } from "../notification.js";

/**
 * Stable codes of failed deliveries, so the outbox and the dashboard can group them without
 * parsing messages. Each failure is still a `ChannelDeliveryError` (the engine's contract).
 */
export const ChannelErrorCode = {
  /** The URL's address is loopback, private, link-local or metadata and not allow-listed. */
  TargetForbidden: "CHANNEL_TARGET_FORBIDDEN",
  /** No complete answer within the delivery timeout (or the caller's signal aborted). */
  Timeout: "CHANNEL_TIMEOUT",
  /** DNS, connection or TLS failure, or the connection dropped. */
  Network: "CHANNEL_NETWORK",
  /** The receiver answered with an HTTP status or SMTP reply that is not a success. */
  Rejected: "CHANNEL_REJECTED",
  /** The receiver answered 2xx but its body says the message was refused (WeCom/DingTalk `errcode`, Feishu `code`). */
  VendorError: "CHANNEL_VENDOR_ERROR",
  /** The receiver asked us to slow down (429, or a vendor rate-limit code). */
  RateLimited: "CHANNEL_RATE_LIMITED",
} as const;
export type ChannelErrorCode = (typeof ChannelErrorCode)[keyof typeof ChannelErrorCode];

/** A `ChannelDeliveryError` with a stable code; `instanceof ChannelDeliveryError` holds. */
export class ChannelDeliveryFailure extends ChannelDeliveryError {
  readonly code: ChannelErrorCode;

  constructor(
    message: string,
    report: DeliveryReport,
    retryable: boolean,
    code: ChannelErrorCode,
    options?: { cause?: unknown; retryAfterMs?: number | null },
  ) {
    super(message, report, retryable, options);
    this.name = "ChannelDeliveryError";
    this.code = code;
  }
}

/** Whether an HTTP status is worth retrying: the receiver may accept the same message later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The first `max` characters of a receiver's answer, on one line, for a report. */
export function shortDetail(text: string, max = 300): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
