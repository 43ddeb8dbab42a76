import type { Clock, Timer } from "../time/clock.js";

/**
 * One timer for the earliest of the times it is armed for: arming it for a time no earlier than
 * the pending one changes nothing, an earlier time replaces it. A time already past calls back
 * at once, from inside arm(), and leaves nothing pending, so that spent time does not hold back
 * every later arm (each would be "not earlier") until something else fires the callback.
 */
export class EarliestTimer {
  #pending: { at: number; timer: Timer } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly onFire: () => void,
  ) {}

  arm(at: number): void {
    if (this.#pending !== null && this.#pending.at <= at) return;
    this.cancel();
    const entry: { at: number; timer: Timer | null } = { at, timer: null };
    let fired = false;
    entry.timer = this.clock.setTimer(at, () => {
      fired = true;
      if (this.#pending === entry) this.#pending = null;
      this.onFire();
    });
    if (!fired) this.#pending = entry as { at: number; timer: Timer };
  }

  cancel(): void {
    this.#pending?.timer.cancel();
    this.#pending = null;
  }
}
