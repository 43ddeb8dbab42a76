// The chaos harness's own pieces that need no processes: the seeded PRNG a failing run is
// replayed from, and the oracle's fire times (computed from each timing's grid, not with the
// engine's cron code).
import { describe, expect, it } from "vitest";
import { createRandom } from "../../chaos/random.js";
import { expectedFireTimes } from "../../chaos/schedule-oracle.js";

describe("the chaos harness's seeded PRNG", () => {
  it("replays the same choices from the same seed, and forks independent streams by label", () => {
    const draw = (seed: number) => {
      const random = createRandom(seed).fork("sigkill-nodes");
      return Array.from({ length: 20 }, () => random.int(0, 1_000_000));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    const root = createRandom(42);
    expect(root.fork("a").next()).not.toBe(root.fork("b").next());
    const values = Array.from({ length: 10_000 }, () => root.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});

describe("the schedule oracle's expected fire times", () => {
  const minute = 60_000;
  const created = Date.UTC(2030, 0, 1, 12, 0, 30);

  it("fires a minute cron on every minute boundary after its creation, in either syntax", () => {
    for (const expression of ["0 * * * * *", "* * * * *"]) {
      const timing = { kind: "cron" as const, expression, timezone: "UTC" };
      expect(expectedFireTimes(timing, created, created - minute, created + 3 * minute)).toEqual([
        Date.UTC(2030, 0, 1, 12, 1),
        Date.UTC(2030, 0, 1, 12, 2),
        Date.UTC(2030, 0, 1, 12, 3),
      ]);
    }
  });

  it("fires an interval one interval after its anchor, never at the anchor itself", () => {
    const timing = { kind: "every" as const, intervalMs: minute, anchorMs: created };
    expect(expectedFireTimes(timing, created, created, created + 2 * minute)).toEqual([
      created + minute,
      created + 2 * minute,
    ]);
  });

  it("refuses a timing it cannot judge rather than judging it wrongly", () => {
    const timing = { kind: "cron" as const, expression: "*/5 * * * *", timezone: "UTC" };
    expect(() => expectedFireTimes(timing, created, created, created + minute)).toThrow(/does not know/);
  });
});
