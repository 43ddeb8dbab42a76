import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/time/fake-clock.js";
import { SystemClock } from "../../src/time/system-clock.js";
import { EarliestTimer } from "../../src/worker/earliest-timer.js";

describe("EarliestTimer", () => {
  it("fires once, at the earliest of the times it was armed for", async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const timer = new EarliestTimer(clock, () => fired.push(clock.now()));
    timer.arm(500);
    timer.arm(900); // later than the pending one: changes nothing
    timer.arm(300); // earlier: replaces it
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(1_000);
    expect(fired).toEqual([300]);
  });

  it("can be armed again once it has fired, and cancelled", async () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const timer = new EarliestTimer(clock, () => fired.push(clock.now()));
    timer.arm(100);
    await clock.advance(100);
    timer.arm(400); // the spent time 100 does not hold this back
    await clock.advance(300);
    timer.arm(600);
    timer.cancel();
    await clock.advance(1_000);
    expect(fired).toEqual([100, 400]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("calls back at once for a time already past, and keeps nothing pending that would hold back a later arm", () => {
    const clock = new SystemClock();
    let fired = 0;
    const timer = new EarliestTimer(clock, () => fired++);
    timer.arm(clock.now() - 1);
    expect(fired).toBe(1);
    timer.arm(clock.now() - 1);
    expect(fired).toBe(2);
    timer.cancel();
  });
});
