import type { Logger } from "pino";
import type { AlertStore, DeliveryAttempt, OutboxMessage } from "../store/alert-store.js";
import type { Clock } from "../time/clock.js";
import type { AlertSettings } from "./alert-options.js";
import { ChannelDeliveryError, type AlertChannel } from "./notification.js";

/** Messages claimed per pass (delivered concurrently). */
const BATCH = 20;
/**
 * A claim outlives the delivery timeout by as much again (at most 30 s) before another node may
 * take the message: room to write the outcome, and short enough that a crashed deliverer's
 * message goes out again soon.
 */
const claimMs = (timeoutMs: number) => timeoutMs + Math.min(30_000, timeoutMs);
const MAX_DETAIL = 500;
/**
 * A receiver's `Retry-After` is honoured between these bounds: at least a second (`0` or a past
 * date must not make a tight loop), at most an hour (a receiver cannot park a message for days).
 */
const MIN_RETRY_AFTER_MS = 1_000;
const MAX_RETRY_AFTER_MS = 3_600_000;

export type DeliveryOutcome = DeliveryAttempt["outcome"];

/**
 * Delivers the outbox, on every node. A message is claimed (SKIP LOCKED, with a lease, the
 * attempt number as fencing token), sent once through its channel, and its outcome recorded with
 * the attempt. A node that dies mid-delivery leaves its claim to expire; the message is then
 * claimed again by any node. Delivery is therefore at-least-once: a receiver that accepted a
 * message just before the sender died sees it again, with the same notification id.
 */
export class OutboxDeliverer {
  constructor(
    private readonly store: AlertStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly node: string,
    private readonly channels: ReadonlyMap<string, AlertChannel>,
    private readonly settings: AlertSettings["delivery"],
    private readonly onOutcome: (channel: string, outcome: DeliveryOutcome) => void = () => undefined,
  ) {}

  /** Delivers every due message, batch after batch; returns how many attempts it made. */
  async deliverDue(signal?: AbortSignal): Promise<number> {
    let attempts = 0;
    while (signal?.aborted !== true) {
      const now = this.clock.now();
      const claimed = await this.store.claimOutbox(this.node, now, claimMs(this.settings.timeoutMs), BATCH);
      await Promise.all(claimed.map((message) => this.#deliver(message)));
      attempts += claimed.length;
      if (claimed.length < BATCH) break;
    }
    return attempts;
  }

  async #deliver(message: OutboxMessage): Promise<void> {
    const channel = this.channels.get(message.channel);
    const started = this.clock.now();
    const attempt: DeliveryAttempt = {
      outboxId: message.id,
      attempt: message.attempts,
      node: this.node,
      at: started,
      outcome: "delivered",
      status: null,
      detail: "",
      nextAttemptAt: null,
    };
    let code: string | null = null;
    if (channel === undefined) {
      Object.assign(attempt, { outcome: "failed", detail: `channel '${message.channel}' is not configured` });
    } else {
      code = await this.#send(channel, message, attempt);
    }
    attempt.detail = attempt.detail.slice(0, MAX_DETAIL);
    const recorded = await this.store.recordDelivery(attempt);
    if (!recorded) {
      this.logger.warn(
        { outboxId: message.id, attempt: message.attempts },
        "alert delivery outcome not recorded: the claim had expired and the message was taken again",
      );
      return;
    }
    this.onOutcome(message.channel, attempt.outcome);
    const context = {
      outboxId: message.id,
      channel: message.channel,
      attempt: message.attempts,
      status: attempt.status,
      code,
      detail: attempt.detail,
    };
    if (attempt.outcome === "failed") this.logger.error(context, "alert delivery failed for good");
    else if (attempt.outcome === "retry")
      this.logger.warn(
        { ...context, nextAttemptAt: attempt.nextAttemptAt },
        "alert delivery failed; retrying",
      );
  }

  /** Sends once and writes the outcome on `attempt`; returns the failure's code (docs/errors.md), if any. */
  async #send(
    channel: AlertChannel,
    message: OutboxMessage,
    attempt: DeliveryAttempt,
  ): Promise<string | null> {
    const controller = new AbortController();
    const timer = this.clock.setTimer(attempt.at + this.settings.timeoutMs, () =>
      controller.abort(new Error(`delivery timed out after ${this.settings.timeoutMs} ms`)),
    );
    try {
      const report = await channel.send(message.notification, controller.signal);
      attempt.status = report.status;
      attempt.detail = report.detail;
      return null;
    } catch (error) {
      const retryable = !(error instanceof ChannelDeliveryError) || error.retryable;
      attempt.status = error instanceof ChannelDeliveryError ? error.report.status : null;
      attempt.detail =
        error instanceof ChannelDeliveryError
          ? error.report.detail || error.message
          : String((error as Error).message ?? error);
      if (retryable && message.attempts < this.settings.maxAttempts) {
        attempt.outcome = "retry";
        attempt.nextAttemptAt = this.clock.now() + this.#retryDelay(message.attempts, error);
      } else {
        attempt.outcome = "failed";
      }
      // Channels throw ChannelDeliveryFailure, a ChannelDeliveryError with a stable code.
      const code = error instanceof ChannelDeliveryError ? (error as { code?: unknown }).code : undefined;
      return typeof code === "string" ? code : null;
    } finally {
      timer.cancel();
    }
  }

  /** What the receiver asked for (`Retry-After`, within bounds), else the backoff. */
  #retryDelay(attempt: number, error: unknown): number {
    const asked = error instanceof ChannelDeliveryError ? error.retryAfterMs : null;
    if (asked !== null) return Math.min(MAX_RETRY_AFTER_MS, Math.max(MIN_RETRY_AFTER_MS, asked));
    return this.#backoff(attempt);
  }

  /** Exponential: backoff, 2×, 4× … capped at maxBackoff. */
  #backoff(attempt: number): number {
    return Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** Math.min(30, attempt - 1));
  }
}
