/**
 * The only door to time. Engine code asks a Clock for "now" and for timers at absolute times;
 * production uses the database-calibrated clock, tests a FakeClock they move by hand.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch, in the cluster's time (the database clock in production). */
  now(): number;
  /**
   * Calls `callback` once when `now() >= at`. A pending timer does not keep the process alive
   * unless `keepAlive` is set (a started worker pool must outlive a database outage, when it
   * holds no socket).
   */
  setTimer(at: number, callback: () => void, options?: { keepAlive?: boolean }): Timer;
}

/** Resolves when `now() >= at`, or rejects with the signal's reason when it aborts. */
export function sleepUntil(clock: Clock, at: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason as Error);
    };
    // Listen first: a timer already due calls back at once, and must find the listener to remove.
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = clock.setTimer(at, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
  });
}
