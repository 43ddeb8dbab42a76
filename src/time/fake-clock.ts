import type { Clock, Timer } from "./clock.js";

interface PendingTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/**
 * A clock for tests: time moves only when told, forwards or backwards. `advance` fires due
 * timers in time order and lets the promises they start settle before moving on.
 */
export class FakeClock implements Clock {
  #now: number;
  #timers: PendingTimer[] = [];
  #seq = 0;

  constructor(start: Date | number = Date.UTC(2030, 0, 1)) {
    this.#now = typeof start === "number" ? start : start.getTime();
  }

  now(): number {
    return this.#now;
  }

  setTimer(at: number, callback: () => void): Timer {
    const timer: PendingTimer = { at, seq: this.#seq++, callback };
    this.#timers.push(timer);
    return { cancel: () => (this.#timers = this.#timers.filter((t) => t !== timer)) };
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.set(this.#now + ms);
  }

  /** Sets the time; going backwards fires nothing. */
  async set(to: Date | number): Promise<void> {
    const target = typeof to === "number" ? to : to.getTime();
    // Work started just before (a write that arms its timer a microtask later) joins in.
    await settle();
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets pending promise chains (including ones that cross I/O) make progress. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
