import { ErrorCode, TaskFlowError } from "../../domain/errors.js";
import { exchange } from "../../executors/http-exchange.js";
import type { Redactor } from "../../executors/redact.js";
import type { AllowRule } from "../../executors/ssrf-guard.js";
import type { Clock } from "../../time/clock.js";
import {
  ChannelDeliveryFailure,
  ChannelErrorCode,
  isRetryableStatus,
  shortDetail,
} from "./channel-errors.js";
import { retryAfterMs } from "./retry-after.js";

/** How every HTTP channel talks to its receiver, resolved once by `createChannel`. */
export interface ChannelHttpSettings {
  /** Parsed allow-list: the only loopback/private/metadata targets a channel may reach. */
  allow: readonly AllowRule[];
  /** The whole exchange (connect, send, answer) must finish within this. */
  timeoutMs: number;
  /** Bytes of the answer read; a receiver that sends more is cut off (we only need a status line). */
  maxResponseBytes: number;
  clock: Clock;
}

/** One POST of a channel: where, what, and how to speak of it without leaking secrets. */
export interface ChannelPost {
  /** `webhook "ops"`: how messages name the channel. */
  label: string;
  url: URL;
  /** The URL with its token/key removed, for messages. */
  displayUrl: string;
  headers: Record<string, string>;
  body: string;
  /** Removes the channel's secrets (URL token, signing secret, credential headers) from any text. */
  redact: Redactor;
}

/** A 2xx answer: its status and body text (redacted, capped). */
export interface ReceiverAnswer {
  status: number;
  body: string;
}

/**
 * POSTs once, through the SSRF guard of the HTTP executor (guarded DNS lookup, literal IPs
 * checked, no redirects, a fresh connection per request), within `timeoutMs` and `signal`.
 * Resolves on 2xx; any other outcome throws a `ChannelDeliveryFailure` whose message holds no
 * secret. Redirects are not followed: a webhook that moved is a configuration error to fix.
 */
export async function postToReceiver(
  post: ChannelPost,
  settings: ChannelHttpSettings,
  signal: AbortSignal,
): Promise<ReceiverAnswer> {
  const where = `${post.label}: POST ${post.displayUrl}`;
  if (signal.aborted) throw aborted(where, signal.reason);
  const deadline = new AbortController();
  const timer = settings.clock.setTimer(settings.clock.now() + settings.timeoutMs, () => deadline.abort());
  let status: number;
  let body: string;
  let retryAfter: string | string[] | undefined;
  try {
    const answer = await exchange(
      {
        method: "POST",
        url: post.url,
        headers: { "user-agent": "TaskFlow-Alerts", ...post.headers },
        body: post.body,
      },
      {
        allow: settings.allow,
        connectMs: settings.timeoutMs,
        headersMs: settings.timeoutMs,
        maxBytes: settings.maxResponseBytes,
        readBody: () => true,
        signal: AbortSignal.any([signal, deadline.signal]),
      },
    );
    status = answer.status;
    body = post.redact(answer.body.toString("utf8"));
    retryAfter = answer.headers["retry-after"];
  } catch (error) {
    if (signal.aborted) throw aborted(where, signal.reason, error);
    if (deadline.signal.aborted) throw timedOut(where, settings.timeoutMs, error);
    throw transportFailure(where, error, post.redact, settings.timeoutMs);
  } finally {
    timer.cancel();
  }
  if (status >= 200 && status < 300) return { status, body };
  const detail = shortDetail(body);
  const code = status === 429 ? ChannelErrorCode.RateLimited : ChannelErrorCode.Rejected;
  // A receiver that is rate limiting us (429) or down for a while (503) may say when to come back.
  const waitMs = status === 429 || status === 503 ? retryAfterMs(retryAfter, settings.clock.now()) : null;
  const asked = waitMs === null ? "" : ` (Retry-After: ${Math.ceil(waitMs / 1000)} s)`;
  throw new ChannelDeliveryFailure(
    `${where} answered ${status}${detail === "" ? "" : `: ${detail}`}${asked}`,
    { status, detail: `${detail === "" ? `HTTP ${status}` : detail}${asked}` },
    isRetryableStatus(status),
    code,
    { retryAfterMs: waitMs },
  );
}

function aborted(where: string, reason: unknown, cause?: unknown): ChannelDeliveryFailure {
  const why = reason instanceof Error ? reason.message : "the delivery was aborted";
  return new ChannelDeliveryFailure(
    `${where} was aborted before an answer (${why})`,
    { status: null, detail: `aborted: ${why}` },
    true,
    ChannelErrorCode.Timeout,
    { cause },
  );
}

function timedOut(where: string, timeoutMs: number, cause: unknown): ChannelDeliveryFailure {
  return new ChannelDeliveryFailure(
    `${where} timed out: no complete answer within ${timeoutMs} ms`,
    { status: null, detail: `timed out after ${timeoutMs} ms` },
    true,
    ChannelErrorCode.Timeout,
    { cause },
  );
}

function transportFailure(
  where: string,
  error: unknown,
  redact: Redactor,
  timeoutMs: number,
): ChannelDeliveryFailure {
  if (error instanceof TaskFlowError && error.code === ErrorCode.HttpTargetForbidden) {
    return targetForbidden(where, error.details);
  }
  const code = errnoOf(error);
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") {
    return timedOut(where, timeoutMs, error);
  }
  const message = redact(error instanceof Error ? error.message : String(error));
  const detail = `${message}${code === undefined ? "" : ` (${code})`}`;
  // The cause is kept out: undici's errors can carry the request options, URL token included.
  return new ChannelDeliveryFailure(
    `${where} failed: ${detail}`,
    { status: null, detail: shortDetail(detail) },
    true,
    ChannelErrorCode.Network,
  );
}

/**
 * The SSRF guard's refusal, reworded for alert channels: its own message speaks of HTTP jobs
 * and of executors.http.allow, which may not be where this channel's allow-list comes from.
 */
function targetForbidden(where: string, details: Record<string, unknown>): ChannelDeliveryFailure {
  const host = String(details.host);
  const port = String(details.port);
  const address = String(details.address);
  const shown = address.includes(":") ? `[${address}]` : address;
  const what = host === address ? `${shown}` : `${host} (${shown})`;
  const detail = `refused to connect to ${what}: a ${String(details.reason)} address, not in the allow-list`;
  return new ChannelDeliveryFailure(
    `${where} ${detail}; alert channels may not reach such addresses unless allowed: add "${shown}:${port}"${host === address ? "" : ` (or "${host}:${port}")`} to alerts.allow in taskflow.yaml`,
    { status: null, detail },
    false,
    ChannelErrorCode.TargetForbidden,
  );
}

function errnoOf(error: unknown): string | undefined {
  for (
    let current = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  ) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}
