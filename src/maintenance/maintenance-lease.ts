import type { Logger } from "pino";
import type { MaintenanceStore } from "../store/maintenance-store.js";
import type { Clock, Timer } from "../time/clock.js";

export interface LeaseCallbacks {
  /** This node now holds the lease: the start of a tenure, named by `fence`. */
  onAcquired(fence: number): void;
  /** This node no longer holds it. Resolves once the work done under the lease has stopped. */
  onLost(reason: string): Promise<void>;
}

/**
 * One named lease, contended by every node. Protocol:
 *
 * - Every `ttl/3` the node tries to take the lease, or to renew it when it holds it, in one
 *   atomic statement that sets `expires_at = now + ttl`. A holder thus survives two missed
 *   renewals; a node that does not hold it is told no (and tries again at the next period).
 * - A change of holder increments the fence, so each tenure has its own number and a stale
 *   holder can be told apart from the current one.
 * - The holder considers the lease lost when a renewal is refused (another node took it after it
 *   expired), or when `expires_at` passes without a successful renewal (the database is out of
 *   reach, or a statement hangs): from that instant another node may take it, so this one stops.
 * - On `stop()` the holder stops its work, then releases the lease, so the next node takes it
 *   at its next try instead of waiting for it to expire.
 *
 * Nothing relies on there being exactly one holder at every instant (a frozen holder may wake
 * and run one more pass): the lease keeps housekeeping from running everywhere, it does not
 * carry correctness.
 */
export class MaintenanceLease {
  #fence: number | null = null;
  #running = false;
  #timer: Timer | null = null;
  #expiry: Timer | null = null;
  #tick: Promise<void> | null = null;

  constructor(
    private readonly store: MaintenanceStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly name: string,
    private readonly holder: string,
    private readonly ttlMs: number,
    private readonly callbacks: LeaseCallbacks,
  ) {}

  /** The fence of this node's tenure, or null when it does not hold the lease. */
  get fence(): number | null {
    return this.#fence;
  }

  /** Starts contending; resolves after the first try (which never rejects). */
  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#running = true;
    return this.#runTick();
  }

  /** Stops contending; if it held the lease, stops the work under it, then releases it. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#timer?.cancel();
    await this.#tick;
    const fence = this.#fence;
    if (fence === null) return;
    await this.#lose("this node is stopping", "info");
    try {
      await this.store.releaseLease(this.name, this.holder, fence);
      this.logger.info({ lease: this.name, fence }, "released the maintenance lease");
    } catch (error) {
      this.logger.warn(
        { err: error, lease: this.name, fence },
        "releasing the maintenance lease failed; another node takes it over when it expires",
      );
    }
  }

  #runTick(): Promise<void> {
    const tick = this.#tryAcquire().finally(() => {
      this.#tick = null;
      if (!this.#running) return;
      const next = this.clock.now() + Math.floor(this.ttlMs / 3);
      this.#timer = this.clock.setTimer(next, () => void this.#runTick());
    });
    this.#tick = tick;
    return tick;
  }

  async #tryAcquire(): Promise<void> {
    const now = this.clock.now();
    let result: { fence: number } | null;
    try {
      result = await this.store.acquireLease(this.name, this.holder, now, this.ttlMs);
    } catch (error) {
      // Still held until it expires: the expiry timer ends the tenure if no renewal succeeds.
      this.logger.warn(
        { err: error, lease: this.name, held: this.#fence !== null },
        "could not take or renew the maintenance lease; retrying",
      );
      return;
    }
    if (result === null) {
      if (this.#fence !== null) await this.#lose("another node took it over", "warn");
      return;
    }
    // Another tenure came between ours (this node missed its expiry): the old one is over.
    if (this.#fence !== null && this.#fence !== result.fence) await this.#lose("it changed hands", "warn");
    const acquired = this.#fence === null;
    this.#fence = result.fence;
    this.#expiry?.cancel();
    this.#expiry = this.clock.setTimer(now + this.ttlMs, () => {
      void this.#lose("it expired before a renewal succeeded", "warn");
    });
    // Stopped while the statement ran: stop() releases the lease without starting the work.
    if (acquired && this.#running) {
      this.logger.info({ lease: this.name, fence: result.fence }, "holding the maintenance lease");
      this.callbacks.onAcquired(result.fence);
    }
  }

  async #lose(reason: string, level: "info" | "warn"): Promise<void> {
    const fence = this.#fence;
    if (fence === null) return;
    this.#fence = null;
    this.#expiry?.cancel();
    this.#expiry = null;
    if (level === "warn") this.logger.warn({ lease: this.name, fence, reason }, "lost the maintenance lease");
    await this.callbacks.onLost(reason);
  }
}
