import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { measureClockOffset, SystemClock } from "../../src/time/system-clock.js";

const T0 = Date.UTC(2030, 0, 1);

describe("SystemClock", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads the machine's clock when no offset is set", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date"] });
    expect(new SystemClock().now()).toBe(T0);
  });

  it("adds the offset to the machine's clock", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "performance"] });
    const clock = new SystemClock();
    clock.setOffset(2_500);
    expect(clock.now()).toBe(T0 + 2_500);
    clock.setOffset(-700);
    expect(clock.now()).toBe(T0 - 700);
  });

  it("reports skew as the machine's lead over the reference clock", () => {
    const clock = new SystemClock();
    clock.setOffset(-1_200); // the database is 1.2 s behind: this machine runs ahead
    expect(clock.skewMs).toBe(1_200);
    clock.setOffset(300);
    expect(clock.skewMs).toBe(-300);
  });

  it("fires a timer for a near time (real time)", async () => {
    const clock = new SystemClock();
    const at = clock.now() + 5;
    const firedAt = await new Promise<number>((resolve) => clock.setTimer(at, () => resolve(clock.now())));
    expect(firedAt).toBeGreaterThanOrEqual(at);
  });

  it("fires a timer for a time already past without waiting", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "setTimeout", "clearTimeout"] });
    const clock = new SystemClock();
    const callback = vi.fn();
    clock.setTimer(T0 - 1_000, callback);
    vi.advanceTimersByTime(0);
    expect(callback).toHaveBeenCalledOnce();
  });

  it("fires when its own time (with the offset) is reached, not the machine's", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "performance", "setTimeout", "clearTimeout"] });
    const clock = new SystemClock();
    clock.setOffset(10_000);
    const callback = vi.fn();
    clock.setTimer(T0 + 10_500, callback);
    vi.advanceTimersByTime(499);
    expect(callback).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(callback).toHaveBeenCalledOnce();
  });

  it("does not fire a cancelled timer", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "setTimeout", "clearTimeout"] });
    const clock = new SystemClock();
    const callback = vi.fn();
    const timer = clock.setTimer(T0 + 50, callback);
    vi.advanceTimersByTime(10);
    timer.cancel();
    vi.advanceTimersByTime(10_000);
    expect(callback).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fires a timer days away exactly on time, re-arming in capped waits", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "setTimeout", "clearTimeout"] });
    const clock = new SystemClock();
    const callback = vi.fn();
    const at = T0 + 30 * 86_400_000; // beyond Node's ~24.8-day setTimeout limit
    clock.setTimer(at, callback);
    vi.advanceTimersByTime(30 * 86_400_000 - 1);
    expect(callback).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(callback).toHaveBeenCalledOnce();
  });

  it("fires within a minute of waking when the machine's clock jumps past the time", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "setTimeout", "clearTimeout"] });
    const clock = new SystemClock();
    const callback = vi.fn();
    clock.setTimer(T0 + 3_600_000, callback);
    vi.setSystemTime(T0 + 2 * 3_600_000); // the machine was suspended for two hours
    vi.advanceTimersByTime(60_000);
    expect(callback).toHaveBeenCalledOnce();
  });

  it("fires a cancelled-then-reset time only through the new timer", () => {
    vi.useFakeTimers({ now: T0, toFake: ["Date", "setTimeout", "clearTimeout"] });
    const clock = new SystemClock();
    const fired: string[] = [];
    clock.setTimer(T0 + 100, () => fired.push("old")).cancel();
    clock.setTimer(T0 + 200, () => fired.push("new"));
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(["new"]);
  });
});

describe("SystemClock once calibrated", () => {
  /** Hand-driven wall and monotonic clocks. */
  const sources = () => {
    const time = { wall: T0, monotonic: 5_000 };
    return { time, sources: { wall: () => time.wall, monotonic: () => time.monotonic } };
  };

  it("keeps the reference's time when the wall clock jumps forward or back, and reports the jump", () => {
    const { time, sources: s } = sources();
    const clock = new SystemClock(s);
    clock.calibrate(T0 + 250 - 5_000); // the reference is 250 ms ahead of this machine's wall clock
    const jumps: number[] = [];
    clock.onJump = (ms) => jumps.push(ms);
    expect(clock.now()).toBe(T0 + 250);
    expect(clock.skewMs).toBe(-250);

    time.monotonic += 1_000;
    time.wall += 1_000 + 30_000; // an operator sets the clock 30 s ahead
    expect(clock.now()).toBe(T0 + 250 + 1_000); // not 30 s early
    expect(jumps).toEqual([30_000]);
    expect(clock.skewMs).toBe(30_000 - 250); // the registry shows the jump at once

    time.monotonic += 1_000;
    time.wall -= 60_000 - 1_000; // and then 30 s behind
    expect(clock.now()).toBe(T0 + 250 + 2_000);
    expect(jumps).toEqual([30_000]); // reported once until the node recalibrates
    expect(clock.skewMs).toBe(-30_000 - 250);

    clock.calibrate(T0 + 250 + 2_000 - time.monotonic);
    expect(clock.now()).toBe(T0 + 250 + 2_000);
    time.wall += 5_000;
    clock.now();
    expect(jumps).toEqual([30_000, 5_000]);
  });

  it("ignores the few ms by which wall and monotonic readings differ in ordinary operation", () => {
    const { time, sources: s } = sources();
    const clock = new SystemClock(s);
    clock.setOffset(-1_234);
    const jumps: number[] = [];
    clock.onJump = (ms) => jumps.push(ms);
    time.monotonic += 10_000.4;
    time.wall += 10_002;
    expect(clock.now()).toBe(T0 - 1_234 + 10_000);
    expect(clock.skewMs).toBe(1_234);
    expect(jumps).toEqual([]);
  });

  it("catches up at once when the machine wakes from a suspend (the monotonic clock stood still)", () => {
    const { time, sources: s } = sources();
    const clock = new SystemClock(s);
    clock.setOffset(0);
    const jumps: number[] = [];
    clock.onJump = (ms) => jumps.push(ms);
    time.wall += 2 * 3_600_000;
    clock.now();
    expect(jumps).toEqual([2 * 3_600_000]); // the node recalibrates on this report
  });
});

describe("measureClockOffset", () => {
  /** A local clock that reads the given times in turn. */
  const localTimes = (...times: number[]) => {
    const queue = [...times];
    return () => {
      const next = queue.shift();
      if (next === undefined) throw new Error("localNow read more often than expected");
      return next;
    };
  };

  it("takes the midpoint of the round trip as the moment the database read its clock", async () => {
    const result = await measureClockOffset(
      () => Promise.resolve(T0 + 5_000 + 50),
      1,
      localTimes(T0, T0 + 100),
    );
    expect(result).toEqual({ offsetMs: 5_000, roundTripMs: 100 });
  });

  it("keeps the sample with the smallest round trip", async () => {
    // round trips 40, 4, 20 ms; only the middle sample sees the true offset of -250 ms
    const dbTimes = [T0 + 9_999, T0 + 1_000 - 250 + 2, T0 - 9_999];
    const read = vi.fn(() => Promise.resolve(dbTimes.shift() as number));
    const result = await measureClockOffset(
      read,
      3,
      localTimes(T0, T0 + 40, T0 + 1_000, T0 + 1_004, T0 + 2_000, T0 + 2_020),
    );
    expect(read).toHaveBeenCalledTimes(3);
    expect(result).toEqual({ offsetMs: -250, roundTripMs: 4 });
  });

  it("keeps the first of equally fast samples", async () => {
    const dbTimes = [T0 + 1_005, T0 + 2_000];
    const result = await measureClockOffset(
      () => Promise.resolve(dbTimes.shift() as number),
      2,
      localTimes(T0, T0 + 10, T0 + 20, T0 + 30),
    );
    expect(result).toEqual({ offsetMs: 1_000, roundTripMs: 10 });
  });

  it("takes as many samples as asked", async () => {
    const read = vi.fn(() => Promise.resolve(T0));
    let t = T0;
    await measureClockOffset(read, 7, () => t++);
    expect(read).toHaveBeenCalledTimes(7);
  });

  it("rounds the offset to whole milliseconds", async () => {
    const result = await measureClockOffset(() => Promise.resolve(T0 + 10), 1, localTimes(T0, T0 + 3));
    expect(result).toEqual({ offsetMs: 9, roundTripMs: 3 }); // 10 - 1.5 = 8.5, rounded up
  });

  it("finds the true offset whenever the fastest round trip is symmetric", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -3_600_000, max: 3_600_000 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 10 }),
        async (trueOffset, halfTrips) => {
          let local = T0;
          const times: number[] = [];
          const dbTimes: number[] = [];
          for (const half of halfTrips) {
            times.push(local, local + 2 * half);
            dbTimes.push(local + half + trueOffset);
            local += 2 * half + 1_000;
          }
          const result = await measureClockOffset(
            () => Promise.resolve(dbTimes.shift() as number),
            halfTrips.length,
            localTimes(...times),
          );
          expect(result.offsetMs).toBe(trueOffset);
          expect(result.roundTripMs).toBe(2 * Math.min(...halfTrips));
        },
      ),
    );
  });
});
