import type { createTransport } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import type { AllowRule } from "../../executors/ssrf-guard.js";
import type { Clock } from "../../time/clock.js";
import type { AlertChannel, AlertNotification, ChannelConfig, DeliveryReport } from "../notification.js";
import { ChannelDeliveryFailure, ChannelErrorCode, shortDetail } from "./channel-errors.js";
import { channelRedactor } from "./channel-secrets.js";
import { emailMessage } from "./email-message.js";
import { checkedSmtpAddress } from "./smtp-target.js";

type EmailConfig = Extract<ChannelConfig, { type: "email" }>;

export interface EmailSettings {
  /** Loopback, private… SMTP servers allowed anyway (as for HTTP channels). */
  allow: readonly AllowRule[];
  timeoutMs: number;
  clock: Clock;
}

/** nodemailer's codes for failures before the server answered: worth another try. */
const TRANSIENT_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNRESET"]);

/**
 * Email over SMTP with nodemailer: one connection per message (alerts are rare; a pool would
 * hold a connection open for nothing), to an address checked by the SSRF allow-list. A password is never sent in clear: with `user` set and
 * `secure` not, STARTTLS is required unless `requireTLS: false` says otherwise.
 */
export function createEmailChannel(name: string, config: EmailConfig, settings: EmailSettings): AlertChannel {
  const { smtp } = config;
  const redact = channelRedactor([smtp.password]);
  const label = `email channel "${name}"`;
  const where = `${label}: SMTP ${smtp.host}:${smtp.port}`;
  const secure = smtp.secure ?? false;
  const options: SMTPTransport.Options = {
    host: smtp.host,
    port: smtp.port,
    secure,
    requireTLS: smtp.requireTLS ?? (smtp.user !== undefined && !secure),
    ...(smtp.user === undefined ? {} : { auth: { user: smtp.user, pass: smtp.password ?? "" } }),
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    tls: { minVersion: "TLSv1.2", ...(smtp.ca === undefined ? {} : { ca: smtp.ca }) },
    // The message is ours, but refuse file and URL content all the same.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  };
  return {
    name,
    type: "email",
    async send(notification: AlertNotification, signal: AbortSignal): Promise<DeliveryReport> {
      const message = emailMessage(notification);
      let transport: ReturnType<typeof createTransport<SMTPTransport.SentMessageInfo>> | undefined;
      const stop = stopper(where, signal, settings, () => transport?.close());
      try {
        const target = await Promise.race([
          checkedSmtpAddress(where, smtp.host, smtp.port, settings.allow),
          stop.stopped,
        ]);
        // Loaded on the first email: most nodes never send one, and every node would pay its start-up.
        const nodemailer = await import("nodemailer");
        transport = nodemailer.createTransport({
          ...options,
          host: target.address,
          tls: {
            ...options.tls,
            ...(target.servername === undefined ? {} : { servername: target.servername }),
          },
        });
        const sending = transport.sendMail({
          from: config.from,
          to: [...config.to],
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: { "X-TaskFlow-Delivery": notification.id },
        });
        const info = await Promise.race([sending, stop.stopped]);
        const rejected = info.rejected.map(String);
        const reply = redact(info.response);
        return {
          status: replyCode(reply),
          detail: shortDetail(
            rejected.length === 0 ? reply : `${reply}; refused recipients: ${rejected.join(", ")}`,
          ),
        };
      } catch (error) {
        if (error instanceof ChannelDeliveryFailure) throw error;
        throw stop.reason() ?? smtpFailure(where, error, redact);
      } finally {
        stop.dispose();
        transport?.close();
      }
    },
  };
}

/**
 * nodemailer takes no AbortSignal: the caller's signal and our deadline close the transport
 * and settle `stopped` with the reason, so `send` returns on time even if a server stalls.
 */
function stopper(where: string, signal: AbortSignal, settings: EmailSettings, close: () => void) {
  let reason: ChannelDeliveryFailure | null = null;
  let reject: (error: Error) => void = () => undefined;
  const stopped = new Promise<never>((_, onReject) => (reject = onReject));
  stopped.catch(() => undefined);
  const stop = (failure: ChannelDeliveryFailure) => {
    if (reason !== null) return;
    reason = failure;
    close();
    reject(failure);
  };
  const onAbort = () => {
    const why = signal.reason instanceof Error ? signal.reason.message : "the delivery was aborted";
    stop(
      new ChannelDeliveryFailure(
        `${where} was aborted before an answer (${why})`,
        { status: null, detail: `aborted: ${why}` },
        true,
        ChannelErrorCode.Timeout,
      ),
    );
  };
  const timer = settings.clock.setTimer(settings.clock.now() + settings.timeoutMs, () =>
    stop(
      new ChannelDeliveryFailure(
        `${where} timed out: no answer within ${settings.timeoutMs} ms`,
        { status: null, detail: `timed out after ${settings.timeoutMs} ms` },
        true,
        ChannelErrorCode.Timeout,
      ),
    ),
  );
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return {
    stopped,
    reason: () => reason,
    dispose: () => {
      timer.cancel();
      signal.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * SMTP replies say whether to retry: 4xx is "try again later", 5xx is final (unknown recipient,
 * authentication failed, relay denied). Connection failures are retried; TLS failures
 * (an untrusted certificate, STARTTLS required but not offered) need a person.
 */
function smtpFailure(
  where: string,
  error: unknown,
  redact: (text: string) => string,
): ChannelDeliveryFailure {
  const smtpError = error as { code?: string; responseCode?: number; message?: string };
  const message = redact(String(smtpError.message ?? error));
  const status = typeof smtpError.responseCode === "number" ? smtpError.responseCode : null;
  const tlsProblem = smtpError.code === "ETLS" || /certificate|STARTTLS|TLS/i.test(message);
  const retryable =
    status !== null
      ? status >= 400 && status < 500
      : !tlsProblem && TRANSIENT_CODES.has(smtpError.code ?? "");
  const code = smtpErrorCode(status, smtpError.code, retryable);
  const detail = shortDetail(`${message}${smtpError.code === undefined ? "" : ` (${smtpError.code})`}`);
  return new ChannelDeliveryFailure(`${where} failed: ${detail}`, { status, detail }, retryable, code);
}

function smtpErrorCode(
  status: number | null,
  errno: string | undefined,
  retryable: boolean,
): ChannelErrorCode {
  if (status !== null) return ChannelErrorCode.Rejected;
  if (errno === "ETIMEDOUT") return ChannelErrorCode.Timeout;
  return retryable ? ChannelErrorCode.Network : ChannelErrorCode.Rejected;
}

function replyCode(reply: string): number | null {
  const match = /^(\d{3})\b/.exec(reply);
  return match === null ? null : Number(match[1]);
}
