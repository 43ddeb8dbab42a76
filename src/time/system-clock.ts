import type { Clock, Timer } from "./clock.js";

/**
 * Node timers overflow past ~24.8 days, and a suspended machine wakes with timers that think no
 * time passed. Waits are therefore capped and re-armed against the absolute target time.
 */
const MAX_WAIT_MS = 60_000;

/** The machine's clock, shifted by `offsetMs` (the database clock minus the local clock). */
export class SystemClock implements Clock {
  #offsetMs = 0;

  /** Local wall clock minus the reference clock: positive when this machine runs ahead. */
  get skewMs(): number {
    return this.#offsetMs === 0 ? 0 : -this.#offsetMs;
  }

  setOffset(offsetMs: number): void {
    this.#offsetMs = offsetMs;
  }

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  setTimer(at: number, callback: () => void, options: { keepAlive?: boolean } = {}): Timer {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = () => {
      if (cancelled) return;
      const wait = at - this.now();
      if (wait <= 0) {
        callback();
        return;
      }
      handle = setTimeout(arm, Math.min(wait, MAX_WAIT_MS));
      if (options.keepAlive !== true) handle.unref?.();
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  }
}

/**
 * Measures the offset of the database clock against the local one, taking the midpoint of the
 * round trip and keeping the sample with the smallest round trip (least network noise).
 */
export async function measureClockOffset(
  readDatabaseTime: () => Promise<number>,
  samples = 5,
  localNow: () => number = Date.now,
): Promise<{ offsetMs: number; roundTripMs: number }> {
  let best = { offsetMs: 0, roundTripMs: Number.POSITIVE_INFINITY };
  for (let i = 0; i < samples; i++) {
    const sent = localNow();
    const dbTime = await readDatabaseTime();
    const received = localNow();
    const roundTripMs = received - sent;
    if (roundTripMs < best.roundTripMs) best = { offsetMs: dbTime - (sent + roundTripMs / 2), roundTripMs };
  }
  return { offsetMs: Math.round(best.offsetMs), roundTripMs: best.roundTripMs };
}
