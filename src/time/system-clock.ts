import type { Clock, Timer } from "./clock.js";

/**
 * Node timers overflow past ~24.8 days, and a suspended machine wakes with timers that think no
 * time passed. Waits are therefore capped and re-armed against the absolute target time.
 */
const MAX_WAIT_MS = 60_000;

/** Where a SystemClock reads time: the wall clock, and a monotonic one (ms, any origin). */
export interface TimeSources {
  wall(): number;
  monotonic(): number;
}

const MACHINE: TimeSources = { wall: () => Date.now(), monotonic: () => performance.now() };

/** A wall-clock step larger than this, against the monotonic clock, counts as a jump. */
export const CLOCK_JUMP_MS = 1_000;
/** Wall and monotonic clocks read a few ms apart in ordinary operation; that is not skew. */
const SKEW_NOISE_MS = 5;

/**
 * The node's clock. Before calibration it is the machine's wall clock. Once calibrated against
 * the database (`calibrate`, or `setOffset`), it runs on the MONOTONIC clock from that reference,
 * so a step of the wall clock (NTP, an operator, a VM restore) changes nothing: no occurrence
 * fires early because the machine's clock jumped. A jump is reported (`onJump`, and `skewMs`
 * follows it at once) so the node can recalibrate and operators can see it.
 */
export class SystemClock implements Clock {
  /** Reference time minus the monotonic clock; null until calibrated. */
  #monotonicOffset: number | null = null;
  /** The wall clock's lead over the reference at calibration. */
  #skewAtCalibration = 0;
  /** Wall minus monotonic at calibration: a change of it is a jump of the wall clock. */
  #wallMinusMonotonic = 0;
  #jumpReported = false;
  /** Called once per calibration when the wall clock jumps (by the given ms) against it. */
  onJump: ((jumpMs: number) => void) | null = null;

  constructor(private readonly sources: TimeSources = MACHINE) {}

  /** Local wall clock minus the reference clock: positive when this machine runs ahead. */
  get skewMs(): number {
    if (this.#monotonicOffset === null) return 0;
    const drift = this.#wallDrift();
    return this.#skewAtCalibration + (Math.abs(drift) > SKEW_NOISE_MS ? Math.round(drift) : 0);
  }

  /** The local clock calibration measures against (monotonic). */
  localNow(): number {
    return this.sources.monotonic();
  }

  /** Calibrates with `offsetMs` = the reference clock minus `localNow()`. */
  calibrate(offsetMs: number): void {
    const monotonic = this.sources.monotonic();
    const wall = this.sources.wall();
    this.#monotonicOffset = offsetMs;
    this.#skewAtCalibration = Math.round(wall - (monotonic + offsetMs));
    this.#wallMinusMonotonic = wall - monotonic;
    this.#jumpReported = false;
  }

  /** Calibrates with `offsetMs` = the reference clock minus the machine's wall clock, now. */
  setOffset(offsetMs: number): void {
    const monotonic = this.sources.monotonic();
    const wall = this.sources.wall();
    this.#monotonicOffset = wall + offsetMs - monotonic;
    this.#skewAtCalibration = -offsetMs;
    this.#wallMinusMonotonic = wall - monotonic;
    this.#jumpReported = false;
  }

  now(): number {
    if (this.#monotonicOffset === null) return this.sources.wall();
    if (!this.#jumpReported && this.onJump !== null) {
      const drift = this.#wallDrift();
      if (Math.abs(drift) > CLOCK_JUMP_MS) {
        this.#jumpReported = true;
        this.onJump(Math.round(drift));
      }
    }
    return Math.floor(this.sources.monotonic() + this.#monotonicOffset);
  }

  #wallDrift(): number {
    return this.sources.wall() - this.sources.monotonic() - this.#wallMinusMonotonic;
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
