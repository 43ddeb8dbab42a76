import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { sleepUntil } from "../../src/time/clock.js";
import { FakeClock } from "../../src/time/fake-clock.js";

const START = Date.UTC(2030, 0, 1);

describe("FakeClock", () => {
  it("starts on 2030-01-01 UTC unless told otherwise", () => {
    expect(new FakeClock().now()).toBe(START);
    expect(new FakeClock(5_000).now()).toBe(5_000);
    expect(new FakeClock(new Date("2024-02-29T12:00:00Z")).now()).toBe(Date.UTC(2024, 1, 29, 12));
  });

  it("does not move on its own", async () => {
    const clock = new FakeClock();
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock.now()).toBe(START);
  });

  it("moves forward by the amount advanced", async () => {
    const clock = new FakeClock();
    await clock.advance(1_500);
    expect(clock.now()).toBe(START + 1_500);
    await clock.set(new Date(START + 10_000));
    expect(clock.now()).toBe(START + 10_000);
  });

  it("fires due timers in time order, whatever order they were set in", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(START + 300, () => fired.push("c"));
    clock.setTimer(START + 100, () => fired.push("a"));
    clock.setTimer(START + 200, () => fired.push("b"));
    await clock.advance(1_000);
    expect(fired).toEqual(["a", "b", "c"]);
  });

  it("fires timers due at the same time in the order they were set", async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    for (let i = 0; i < 5; i++) clock.setTimer(START + 100, () => fired.push(i));
    await clock.advance(100);
    expect(fired).toEqual([0, 1, 2, 3, 4]);
  });

  it("shows each timer's own time as now while its callback runs", async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    clock.setTimer(START + 100, () => seen.push(clock.now()));
    clock.setTimer(START + 250, () => seen.push(clock.now()));
    await clock.advance(1_000);
    expect(seen).toEqual([START + 100, START + 250]);
    expect(clock.now()).toBe(START + 1_000);
  });

  it("fires a timer due exactly at the target time, and none due later", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(START + 100, () => fired.push("due"));
    clock.setTimer(START + 101, () => fired.push("later"));
    await clock.advance(100);
    expect(fired).toEqual(["due"]);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1);
    expect(fired).toEqual(["due", "later"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("fires each timer once", async () => {
    const clock = new FakeClock();
    let fired = 0;
    clock.setTimer(START + 10, () => fired++);
    await clock.advance(10);
    await clock.advance(10);
    await clock.advance(1_000);
    expect(fired).toBe(1);
  });

  it("fires nothing when the clock moves backwards", async () => {
    const clock = new FakeClock();
    let fired = 0;
    clock.setTimer(START + 100, () => fired++);
    await clock.set(START - 60_000);
    expect(clock.now()).toBe(START - 60_000);
    expect(fired).toBe(0);
    expect(clock.pendingTimers).toBe(1);
  });

  it("does not fire twice when the clock moves backwards past a fired timer", async () => {
    const clock = new FakeClock();
    let fired = 0;
    clock.setTimer(START + 100, () => fired++);
    await clock.advance(200);
    await clock.set(START);
    await clock.advance(200);
    expect(fired).toBe(1);
  });

  it("fires a timer after going back only when time catches up with it again", async () => {
    const clock = new FakeClock();
    await clock.set(START - 1_000);
    let fired = 0;
    clock.setTimer(START + 100, () => fired++);
    await clock.advance(1_050);
    expect(fired).toBe(0);
    await clock.advance(50);
    expect(fired).toBe(1);
  });

  it("fires a timer set for a time already past on the next advance", async () => {
    const clock = new FakeClock();
    let fired = 0;
    clock.setTimer(START - 5_000, () => fired++);
    await clock.advance(0);
    expect(fired).toBe(1);
  });

  it("does not fire a cancelled timer", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const timer = clock.setTimer(START + 100, () => fired.push("cancelled"));
    clock.setTimer(START + 100, () => fired.push("kept"));
    timer.cancel();
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(fired).toEqual(["kept"]);
  });

  it("ignores cancelling a timer twice or after it fired", async () => {
    const clock = new FakeClock();
    let fired = 0;
    const timer = clock.setTimer(START + 10, () => fired++);
    await clock.advance(10);
    timer.cancel();
    timer.cancel();
    clock.setTimer(START + 20, () => fired++);
    await clock.advance(10);
    expect(fired).toBe(2);
  });

  it("does not fire a timer that an earlier callback cancels during the same advance", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    const later = clock.setTimer(START + 200, () => fired.push("later"));
    clock.setTimer(START + 100, () => {
      fired.push("first");
      later.cancel();
    });
    await clock.advance(1_000);
    expect(fired).toEqual(["first"]);
  });

  it("fires, in the same advance, a timer that a callback sets within the window", async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const every100 = () => {
      fired.push(clock.now() - START);
      clock.setTimer(clock.now() + 100, every100);
    };
    clock.setTimer(START + 100, every100);
    await clock.advance(450);
    expect(fired).toEqual([100, 200, 300, 400]);
    expect(clock.pendingTimers).toBe(1);
  });

  it("lets promise chains started by a callback settle before the advance resolves", async () => {
    const clock = new FakeClock();
    const steps: string[] = [];
    clock.setTimer(START + 100, () => {
      void (async () => {
        await Promise.resolve();
        steps.push("one");
        await new Promise((resolve) => setImmediate(resolve));
        steps.push("two");
      })();
    });
    await clock.advance(100);
    expect(steps).toEqual(["one", "two"]);
  });

  it("lets each callback's work settle before the next timer fires", async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    clock.setTimer(START + 100, () => {
      void Promise.resolve().then(() => log.push("first settled"));
    });
    clock.setTimer(START + 200, () => log.push("second fired"));
    await clock.advance(300);
    expect(log).toEqual(["first settled", "second fired"]);
  });

  it("runs a year of hourly timers in one advance", async () => {
    const clock = new FakeClock();
    let fired = 0;
    const hourly = () => {
      fired++;
      clock.setTimer(clock.now() + 3_600_000, hourly);
    };
    clock.setTimer(START + 3_600_000, hourly);
    await clock.advance(365 * 86_400_000);
    expect(fired).toBe(365 * 24);
  });
});

describe("sleepUntil on the FakeClock", () => {
  it("resolves only once the clock reaches the time", async () => {
    const clock = new FakeClock();
    let woke = false;
    const sleeping = sleepUntil(clock, START + 1_000).then(() => (woke = true));
    await clock.advance(999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });

  it("rejects with the signal's reason when aborted, and leaves no timer behind", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = sleepUntil(clock, START + 60_000, controller.signal);
    expect(clock.pendingTimers).toBe(1);
    const reason = new Error("stopping");
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects at once, without a timer, when the signal is already aborted", async () => {
    const clock = new FakeClock();
    const reason = new Error("already stopped");
    await expect(sleepUntil(clock, START + 60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it("stops listening to the signal once it has woken", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = sleepUntil(clock, START + 10, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    await clock.advance(10);
    await expect(sleeping).resolves.toBeUndefined();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    controller.abort(new Error("late"));
  });
});
