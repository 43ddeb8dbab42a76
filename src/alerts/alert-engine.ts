import type { Logger } from "pino";
import type { LeasedTask } from "../maintenance/maintenance.js";
import { PeriodicTask } from "../maintenance/periodic-task.js";
import type { AlertStore } from "../store/alert-store.js";
import type { Clock } from "../time/clock.js";
import { AlertEvaluator } from "./alert-evaluator.js";
import type { AlertSettings } from "./alert-options.js";
import type { createChannel } from "./channels/create-channel.js";
import type { AlertChannel } from "./notification.js";
import { OutboxDeliverer, type DeliveryOutcome } from "./outbox-deliverer.js";

export interface AlertEngineNode {
  id: string;
  /** A node not seen for this long is not live (condition rules). */
  liveNodeWindowMs: number;
  onDelivery?: (channel: string, outcome: DeliveryOutcome) => void;
}

/**
 * The alert engine of one node: evaluation runs as housekeeping under the maintenance lease
 * (`leasedTask`); delivery of the outbox runs on every node, so a message never waits for the
 * lease to change hands and any node can finish a crashed node's delivery.
 */
export class AlertEngine {
  readonly channels: ReadonlyMap<string, AlertChannel>;
  readonly #evaluator: AlertEvaluator;
  readonly #deliverer: OutboxDeliverer;
  readonly #delivery: PeriodicTask;
  readonly #log: Logger;
  #running = false;
  #extra: Promise<unknown> | null = null;

  constructor(
    store: AlertStore,
    clock: Clock,
    logger: Logger,
    private readonly settings: AlertSettings,
    channels: ReadonlyMap<string, AlertChannel>,
    node: AlertEngineNode,
  ) {
    this.#log = logger.child({ component: "alerts" });
    this.channels = channels;
    this.#evaluator = new AlertEvaluator(store, clock, this.#log, settings, node.liveNodeWindowMs);
    this.#deliverer = new OutboxDeliverer(
      store,
      clock,
      this.#log,
      node.id,
      this.channels,
      settings.delivery,
      node.onDelivery,
    );
    this.#delivery = new PeriodicTask(
      clock,
      this.#log,
      "alert delivery",
      settings.delivery.pollEveryMs,
      (signal) => this.#deliverer.deliverDue(signal),
    );
  }

  /** Evaluation, for the maintenance lease holder; wakes delivery when it wrote messages. */
  get leasedTask(): LeasedTask {
    return {
      what: "alert evaluation",
      intervalMs: this.settings.evaluateEveryMs,
      pass: async () => {
        const written = await this.#evaluator.evaluateOnce();
        if (written > 0) this.wakeDelivery();
      },
    };
  }

  /** Starts delivering the outbox; says once when nothing can be sent. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    if (this.channels.size === 0) {
      // Nothing can be sent, so no node polls the outbox: evaluation still records alerts.
      this.#log.warn(
        "no alert channel configured: alerts are recorded and listed by the API, but nothing is sent",
      );
      return;
    }
    await this.#delivery.start();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#delivery.stop();
    await this.#extra;
  }

  /** Looks for due messages now instead of at the next poll (a hint: the poll is the fallback). */
  wakeDelivery(): void {
    if (!this.#running || this.#extra !== null || this.channels.size === 0) return;
    this.#extra = this.#deliverer
      .deliverDue()
      .catch((error: unknown) =>
        this.#log.warn({ err: error }, "alert delivery failed; retrying at the next poll"),
      )
      .finally(() => {
        this.#extra = null;
      });
  }
}

/** The configured channels; a bad channel setting throws INVALID_OPTION here, when options load. */
export function buildAlertChannels(
  settings: AlertSettings,
  clock: Clock,
  create: typeof createChannel,
): Map<string, AlertChannel> {
  return new Map(
    Object.entries(settings.channels).map(([name, config]) => [
      name,
      create(name, config, { allow: settings.allow, timeoutMs: settings.delivery.timeoutMs, clock }),
    ]),
  );
}

/**
 * The configured channels, loading the channel code (HTTP client, SMTP) only when there is one:
 * a node without channels does not pay for it at start-up.
 */
export async function createAlertChannels(
  settings: AlertSettings,
  clock: Clock,
): Promise<Map<string, AlertChannel>> {
  if (Object.keys(settings.channels).length === 0) return new Map();
  const { createChannel } = await import("./channels/create-channel.js");
  return buildAlertChannels(settings, clock, createChannel);
}
