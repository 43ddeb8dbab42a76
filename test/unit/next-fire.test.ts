import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.js";
import {
  fireTimesBetween,
  nextFireAt,
  previewFireTimes,
  resolveTiming,
  type ScheduleTiming,
  type ScheduleTimingInput,
} from "../../src/scheduler/next-fire.js";
import { expectInvalidInput } from "./thrown-error.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");
const ms = (iso: string) => Date.parse(iso);
const iso = (times: number[]) => times.map((time) => new Date(time).toISOString());

function cron(expression: string, timezone = "UTC"): ScheduleTiming {
  return resolveTiming({ cron: expression, timezone }, NOW);
}

/** The next `n` fire times after `from`, as ISO strings. */
function preview(timing: ScheduleTiming, from: string, n: number): string[] {
  return iso(previewFireTimes(timing, ms(from), n));
}

describe("resolveTiming", () => {
  it.each<[string, ScheduleTimingInput, string]>([
    ["none", {}, "a schedule needs exactly one of cron, every, at or after; got none"],
    [
      "two",
      { cron: "* * * * *", every: "1m" },
      "a schedule needs exactly one of cron, every, at or after; got cron and every",
    ],
    ["three", { cron: "* * * * *", every: "1m", at: new Date(NOW) }, "got cron and every and at"],
  ])("refuses %s of cron, every, at and after", (_, input, message) => {
    expect(expectInvalidInput(() => resolveTiming(input, NOW), ErrorCode.InvalidSchedule).message).toContain(
      message,
    );
  });

  it("reads cron in UTC unless a time zone is given", () => {
    expect(resolveTiming({ cron: "0 9 * * *" }, NOW)).toEqual({
      kind: "cron",
      expression: "0 9 * * *",
      timezone: "UTC",
    });
    expect(resolveTiming({ cron: " 0 9 * * * ", timezone: "Asia/Tokyo" }, NOW)).toEqual({
      kind: "cron",
      expression: "0 9 * * *",
      timezone: "Asia/Tokyo",
    });
  });

  it.each([
    ["an unknown zone", "Mars/Olympus_Mons"],
    ["a NUL character", "UTC\0"],
    ["an empty name", ""],
    ["a UTC offset instead of a name", "+05:00"],
    ["surrounding spaces", " Europe/Berlin"],
  ])("refuses a time zone with %s", (_, timezone) => {
    const error = expectInvalidInput(
      () => resolveTiming({ cron: "* * * * *", timezone }, NOW),
      ErrorCode.InvalidTimezone,
    );
    expect(error.message).toMatch(/^unknown time zone .*; use an IANA name such as "UTC", "Europe\/Berlin"/);
    expect(error.message).not.toContain("\0");
  });

  it("refuses a time zone that is not a string", () => {
    const input = { cron: "* * * * *", timezone: 5 } as unknown as ScheduleTimingInput;
    expect(expectInvalidInput(() => resolveTiming(input, NOW), ErrorCode.InvalidTimezone).message).toContain(
      "number",
    );
  });

  it.each([
    ["bogus", "exactly five, six, or seven space separated parts are required"],
    ["* * * *", "exactly five, six, or seven space separated parts are required"],
    ["60 * * * *", "Invalid value for minute: 60"],
    ["0 24 * * *", "Invalid value for hour: 24"],
    ["0 0 32 * *", "day of month 32 is out of range 1-31"],
    ["0 0 0 * *", "day of month 0 is out of range 1-31"],
    ["0 0 1 13 *", "month 13 is out of range 1-12"],
    ["0 0 * * 8", "Invalid value for dayOfWeek: 8"],
    ["*/0 * * * *", "illegal stepping: 0"],
    ["5-1 * * * *", "From value is larger than to value"],
    ["0 0 * * MON#6", "nth weekday out of range"],
    ["@reboot", "@reboot is not supported"],
    ["2030-01-01T00:00:00", "it is a date; use `at` for a one-off time"],
    ["* * * * *\0", "without NUL"],
    ["* ".repeat(200), "at most 256 characters"],
  ])("refuses the cron %j, saying why", (expression, reason) => {
    const error = expectInvalidInput(() => resolveTiming({ cron: expression }, NOW), ErrorCode.InvalidCron);
    expect(error.message).toMatch(/^invalid cron expression '/);
    expect(error.message).toContain(reason);
    expect(error.message).toContain("Expected 5 fields (minute hour day-of-month month day-of-week)");
    expect(error.message).not.toContain("\0");
  });

  it("refuses a cron that is not a string", () => {
    const input = { cron: 5 } as unknown as ScheduleTimingInput;
    expect(expectInvalidInput(() => resolveTiming(input, NOW), ErrorCode.InvalidCron).message).toBe(
      'cron must be a string such as "*/5 * * * *"; got number',
    );
  });

  it.each([
    ["0 0 30 2 *", "cron '0 0 30 2 *' never fires: February has no 30th"],
    ["0 0 31 4 *", "cron '0 0 31 4 *' never fires: April has no 31st"],
    ["0 0 31 feb *", "cron '0 0 31 feb *' never fires: February has no 31st"],
    ["0 0 31 2,4,6 ?", "cron '0 0 31 2,4,6 ?' never fires: February, April and June have no 31st"],
    ["0 0 30,31 2 *", "cron '0 0 30,31 2 *' never fires: February has none of the days 30, 31"],
    ["0 0 0 30 2 *", "cron '0 0 0 30 2 *' never fires: February has no 30th"],
    [
      "0 0 0 1 1 * 2020",
      "cron '0 0 0 1 1 * 2020' never fires: it has no fire time after 2025-01-01T00:00:00.000Z (searched to the year 9999)",
    ],
    [
      "0 0 30 2 +MON",
      "cron '0 0 30 2 +MON' never fires: it has no fire time after 2025-01-01T00:00:00.000Z (searched to the year 9999)",
    ],
  ])("refuses %j, which never fires", (expression, message) => {
    const error = expectInvalidInput(
      () => resolveTiming({ cron: expression }, NOW),
      ErrorCode.ScheduleNeverFires,
    );
    expect(error.message).toBe(message);
  });

  it("accepts February 29th, which fires in leap years", () => {
    expect(resolveTiming({ cron: "0 0 29 2 *" }, NOW).kind).toBe("cron");
  });

  it("anchors every at the creation time, or at startAt when given", () => {
    expect(resolveTiming({ every: "30s" }, NOW)).toEqual({
      kind: "every",
      intervalMs: 30_000,
      anchorMs: NOW,
    });
    expect(resolveTiming({ every: 90_000, startAt: "2030-01-01T00:00:00Z" }, NOW)).toEqual({
      kind: "every",
      intervalMs: 90_000,
      anchorMs: ms("2030-01-01T00:00:00Z"),
    });
  });

  it("refuses every shorter than one second", () => {
    expect(
      expectInvalidInput(() => resolveTiming({ every: "999ms" }, NOW), ErrorCode.InvalidSchedule).message,
    ).toBe("every must be at least 1s; got 999 ms");
    expectInvalidInput(() => resolveTiming({ every: 0 }, NOW), ErrorCode.InvalidSchedule);
  });

  it("refuses an every that is not a duration", () => {
    expectInvalidInput(() => resolveTiming({ every: "soon" }, NOW), ErrorCode.InvalidDuration);
    expectInvalidInput(() => resolveTiming({ every: -5 }, NOW), ErrorCode.InvalidDuration);
  });

  it("reads at as an instant when it has an offset, else in the schedule's time zone", () => {
    const at = (value: Date | string, timezone?: string) => {
      const timing = resolveTiming(timezone === undefined ? { at: value } : { at: value, timezone }, NOW);
      return timing.kind === "at" ? new Date(timing.atMs).toISOString() : timing.kind;
    };
    expect(at(new Date("2030-01-31T09:00:00Z"))).toBe("2030-01-31T09:00:00.000Z");
    expect(at("2030-01-31T09:00:00+01:00", "Asia/Tokyo")).toBe("2030-01-31T08:00:00.000Z");
    expect(at("2030-01-31T09:00:00.250Z")).toBe("2030-01-31T09:00:00.250Z");
    expect(at("2030-01-31T09:00")).toBe("2030-01-31T09:00:00.000Z");
    expect(at("2030-01-31 09:00:00", "Europe/Berlin")).toBe("2030-01-31T08:00:00.000Z");
    expect(at("2030-01-31", "America/New_York")).toBe("2030-01-31T05:00:00.000Z");
  });

  it("places a local at that DST skips or repeats as a fixed local time", () => {
    const at = (value: string, timezone: string) => {
      const timing = resolveTiming({ at: value, timezone }, NOW);
      return timing.kind === "at" ? new Date(timing.atMs).toISOString() : timing.kind;
    };
    // 02:30 does not exist on 2025-03-09 in New York: 03:00 EDT is the first valid instant after.
    expect(at("2025-03-09T02:30", "America/New_York")).toBe("2025-03-09T07:00:00.000Z");
    // 01:30 happens twice on 2025-11-02 in New York: the first is EDT.
    expect(at("2025-11-02T01:30", "America/New_York")).toBe("2025-11-02T05:30:00.000Z");
  });

  it.each([
    ["a date that does not exist", "2030-02-30T00:00:00Z"],
    ["an hour out of range", "2030-01-01T24:00:00Z"],
    ["words", "tomorrow"],
    ["an offset out of range", "2030-01-01T00:00:00+25:00"],
  ])("refuses an at with %s", (_, value) => {
    const error = expectInvalidInput(() => resolveTiming({ at: value }, NOW), ErrorCode.InvalidSchedule);
    expect(error.message).toContain("at must be a Date or an ISO 8601 date-time");
  });

  it("refuses an invalid Date", () => {
    expectInvalidInput(() => resolveTiming({ at: new Date(Number.NaN) }, NOW), ErrorCode.InvalidSchedule);
  });

  it("accepts an at in the past, which simply never fires", () => {
    const timing = resolveTiming({ at: "2020-01-01T00:00:00Z" }, NOW);
    expect(nextFireAt(timing, NOW)).toBeNull();
  });
});

describe("nextFireAt", () => {
  it("returns a time strictly after the reference", () => {
    const hourly = cron("0 * * * *");
    expect(iso([nextFireAt(hourly, ms("2025-01-01T10:00:00Z")) as number])).toEqual([
      "2025-01-01T11:00:00.000Z",
    ]);
    expect(iso([nextFireAt(hourly, ms("2025-01-01T09:59:59.999Z")) as number])).toEqual([
      "2025-01-01T10:00:00.000Z",
    ]);
  });

  it("fires an at once, strictly after the reference", () => {
    const at = resolveTiming({ at: "2030-01-01T00:00:00Z" }, NOW);
    expect(nextFireAt(at, NOW)).toBe(ms("2030-01-01T00:00:00Z"));
    expect(nextFireAt(at, ms("2030-01-01T00:00:00Z") - 1)).toBe(ms("2030-01-01T00:00:00Z"));
    expect(nextFireAt(at, ms("2030-01-01T00:00:00Z"))).toBeNull();
    expect(nextFireAt(at, ms("2031-01-01T00:00:00Z"))).toBeNull();
  });

  it("fires every at anchor + k·interval, starting at the anchor", () => {
    const every: ScheduleTiming = { kind: "every", intervalMs: 30_000, anchorMs: ms("2030-01-01T00:00:00Z") };
    expect(preview(every, "2025-01-01T00:00:00Z", 3)).toEqual([
      "2030-01-01T00:00:00.000Z",
      "2030-01-01T00:00:30.000Z",
      "2030-01-01T00:01:00.000Z",
    ]);
    expect(preview(every, "2030-01-01T00:00:30Z", 1)).toEqual(["2030-01-01T00:01:00.000Z"]);
    expect(preview(every, "2030-01-01T00:00:29.999Z", 1)).toEqual(["2030-01-01T00:00:30.000Z"]);
  });

  it("keeps every's real elapsed cadence across a DST change", () => {
    const every = resolveTiming({ every: "1h", timezone: "America/New_York" }, ms("2025-03-09T05:00:00Z"));
    const times = previewFireTimes(every, ms("2025-03-09T05:00:00Z"), 4);
    expect(times.slice(1).map((time, i) => time - (times[i] as number))).toEqual([
      3_600_000, 3_600_000, 3_600_000,
    ]);
  });

  it("fires on a seconds field", () => {
    expect(preview(cron("*/20 * * * * *"), "2025-01-01T00:00:05Z", 3)).toEqual([
      "2025-01-01T00:00:20.000Z",
      "2025-01-01T00:00:40.000Z",
      "2025-01-01T00:01:00.000Z",
    ]);
    expect(preview(cron("30 15 10 * * *"), "2025-01-01T00:00:00Z", 1)).toEqual(["2025-01-01T10:15:30.000Z"]);
  });

  it("fires on a year field", () => {
    expect(preview(cron("0 0 12 1 1 * 2030"), "2025-01-01T00:00:00Z", 2)).toEqual([
      "2030-01-01T12:00:00.000Z",
    ]);
  });

  it("fires in the schedule's time zone", () => {
    expect(preview(cron("0 9 * * *", "Asia/Tokyo"), "2025-01-01T00:00:00Z", 1)).toEqual([
      "2025-01-02T00:00:00.000Z",
    ]);
    expect(preview(cron("0 9 * * *", "Asia/Kolkata"), "2025-01-01T00:00:00Z", 1)).toEqual([
      "2025-01-01T03:30:00.000Z",
    ]);
  });

  it("fires on the last day of the month with L", () => {
    expect(preview(cron("0 0 L 2 *"), "2027-01-01T00:00:00Z", 2)).toEqual([
      "2027-02-28T00:00:00.000Z",
      "2028-02-29T00:00:00.000Z",
    ]);
  });

  it("fires on the weekday nearest a day with W, without leaving the month", () => {
    // 2025-03-15 is a Saturday: Friday the 14th. 2025-03-01 is a Saturday too: Monday the 3rd.
    expect(preview(cron("0 0 15W 3 *"), "2025-01-01T00:00:00Z", 1)).toEqual(["2025-03-14T00:00:00.000Z"]);
    expect(preview(cron("0 0 1W 3 *"), "2025-01-01T00:00:00Z", 1)).toEqual(["2025-03-03T00:00:00.000Z"]);
  });

  it("fires on the nth or the last weekday of the month with #", () => {
    expect(preview(cron("0 0 * * FRI#2"), "2025-01-01T00:00:00Z", 2)).toEqual([
      "2025-01-10T00:00:00.000Z",
      "2025-02-14T00:00:00.000Z",
    ]);
    expect(preview(cron("0 0 * * 5#L"), "2025-01-01T00:00:00Z", 2)).toEqual([
      "2025-01-31T00:00:00.000Z",
      "2025-02-28T00:00:00.000Z",
    ]);
  });

  it("combines day of month and day of week with OR, as Vixie cron does, or AND with +", () => {
    // 2025-06-13 is a Friday.
    expect(preview(cron("0 0 13 * FRI"), "2025-06-01T00:00:00Z", 3)).toEqual([
      "2025-06-06T00:00:00.000Z",
      "2025-06-13T00:00:00.000Z",
      "2025-06-20T00:00:00.000Z",
    ]);
    expect(preview(cron("0 0 13 * +FRI"), "2025-01-01T00:00:00Z", 2)).toEqual([
      "2025-06-13T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
    ]);
  });

  it("fires February 29th only in leap years", () => {
    expect(preview(cron("0 0 29 2 *"), "2025-01-01T00:00:00Z", 3)).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
      "2036-02-29T00:00:00.000Z",
    ]);
  });

  it("reads nicknames: @hourly follows real time, @daily is a fixed local time", () => {
    const zone = "America/New_York";
    // 01:00 repeats on 2025-11-02: @hourly fires on both passes.
    expect(preview(cron("@hourly", zone), "2025-11-02T04:30:00Z", 3)).toEqual([
      "2025-11-02T05:00:00.000Z",
      "2025-11-02T06:00:00.000Z",
      "2025-11-02T07:00:00.000Z",
    ]);
    expect(preview(cron("@daily", zone), "2025-01-01T00:00:00Z", 1)).toEqual(["2025-01-01T05:00:00.000Z"]);
    expect(preview(cron("@weekly"), "2025-01-01T00:00:00Z", 1)).toEqual(["2025-01-05T00:00:00.000Z"]);
  });

  it("fires a fixed local time with a seconds field once after a gap, and on the first pass of a repeat only", () => {
    // 02:30 does not exist on 2025-03-09 in New York: the three times fire together at 03:00 EDT.
    expect(preview(cron("*/20 30 2 * * *", "America/New_York"), "2025-03-09T06:00:00Z", 2)).toEqual([
      "2025-03-09T07:00:00.000Z",
      "2025-03-10T06:30:00.000Z",
    ]);
    // 02:30 happens twice on 2025-10-26 in Berlin: only the first pass (CEST) fires.
    expect(preview(cron("*/20 30 2 * * *", "Europe/Berlin"), "2025-10-25T23:00:00Z", 4)).toEqual([
      "2025-10-26T00:30:00.000Z",
      "2025-10-26T00:30:20.000Z",
      "2025-10-26T00:30:40.000Z",
      "2025-10-27T01:30:00.000Z",
    ]);
  });

  it("does not fire a fixed local time again when asked from inside the repeated hour", () => {
    // At 01:10 EST on 2025-11-02 (the second pass), 01:30 has already fired at 01:30 EDT.
    expect(preview(cron("30 1 * * *", "America/New_York"), "2025-11-02T06:10:00Z", 1)).toEqual([
      "2025-11-03T06:30:00.000Z",
    ]);
  });

  it("fires a wildcard schedule on the second pass of a repeat when asked from the first", () => {
    // At 01:50 EDT on 2025-11-02, the next */15 is 01:00 EST, ten real minutes later.
    expect(preview(cron("*/15 * * * *", "America/New_York"), "2025-11-02T05:50:00Z", 2)).toEqual([
      "2025-11-02T06:00:00.000Z",
      "2025-11-02T06:15:00.000Z",
    ]);
  });

  it("fires at the first valid instant after a 30-minute gap in Australia/Lord_Howe", () => {
    // On 2025-10-05 the clock jumps from 02:00 to 02:30 (+10:30 → +11).
    expect(preview(cron("0 2 * * *", "Australia/Lord_Howe"), "2025-10-04T00:00:00Z", 2)).toEqual([
      "2025-10-04T15:30:00.000Z",
      "2025-10-05T15:00:00.000Z",
    ]);
  });
});

describe("fireTimesBetween and previewFireTimes", () => {
  it("lists fire times after the start and up to the end, inclusive", () => {
    const times = fireTimesBetween(
      cron("0 * * * *"),
      ms("2025-01-01T10:00:00Z"),
      ms("2025-01-01T13:00:00Z"),
      10,
    );
    expect(iso(times)).toEqual([
      "2025-01-01T11:00:00.000Z",
      "2025-01-01T12:00:00.000Z",
      "2025-01-01T13:00:00.000Z",
    ]);
  });

  it("stops at the limit", () => {
    expect(fireTimesBetween(cron("* * * * * *"), NOW, NOW + 3_600_000, 5)).toHaveLength(5);
    expect(fireTimesBetween(cron("* * * * * *"), NOW, NOW + 3_600_000, 0)).toEqual([]);
  });

  it("previews fewer times when the schedule ends", () => {
    expect(previewFireTimes(resolveTiming({ at: "2030-01-01T00:00:00Z" }, NOW), NOW, 3)).toEqual([
      ms("2030-01-01T00:00:00Z"),
    ]);
    expect(preview(cron("0 0 0 1 1 * 2026,2027"), "2026-06-01T00:00:00Z", 5)).toEqual([
      "2027-01-01T00:00:00.000Z",
    ]);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])("refuses a limit of %d", (limit) => {
    expectInvalidInput(
      () => fireTimesBetween(cron("* * * * *"), NOW, NOW + 1, limit),
      ErrorCode.InvalidOption,
    );
  });
});

describe("fire time properties", () => {
  const ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
  ];
  const EXPRESSIONS = [
    "* * * * *",
    "*/15 * * * *",
    "0 * * * *",
    "30 2 * * *",
    "0 1-3 * * *",
    "*/20 1 * * *",
    "*/10 30 2 * * *",
    "0 0 L * *",
    "0 12 15W * *",
    "0 9 * * MON#1",
    "0 0 29 2 *",
    "@daily",
  ];
  const timing: fc.Arbitrary<ScheduleTiming> = fc.oneof(
    fc
      .tuple(fc.constantFrom(...EXPRESSIONS), fc.constantFrom(...ZONES))
      .map(([expression, zone]) => cron(expression, zone)),
    fc.record({
      kind: fc.constant("every" as const),
      intervalMs: fc.integer({ min: 1000, max: 3 * 86_400_000 }),
      anchorMs: fc.integer({ min: ms("2020-01-01T00:00:00Z"), max: ms("2036-01-01T00:00:00Z") }),
    }),
    fc.record({
      kind: fc.constant("at" as const),
      atMs: fc.integer({ min: ms("2020-01-01T00:00:00Z"), max: ms("2036-01-01T00:00:00Z") }),
    }),
  );
  // DST changes in 2025 in the zones above, where mistakes would hide.
  const TRANSITIONS = [
    "2025-03-09T07:00:00Z",
    "2025-11-02T06:00:00Z",
    "2025-03-30T01:00:00Z",
    "2025-10-26T01:00:00Z",
    "2025-04-05T15:00:00Z",
    "2025-10-04T15:30:00Z",
    "2025-04-06T03:00:00Z",
    "2025-09-07T04:00:00Z",
  ].map(ms);
  const instant = fc.oneof(
    fc.integer({ min: ms("2020-01-01T00:00:00Z"), max: ms("2036-01-01T00:00:00Z") }),
    fc
      .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -6 * 3_600_000, max: 6 * 3_600_000 }))
      .map(([transition, offset]) => transition + offset),
  );

  it("fires strictly after the reference, and later for a later reference", () => {
    fc.assert(
      fc.property(timing, instant, fc.integer({ min: 0, max: 40 * 86_400_000 }), (schedule, from, step) => {
        const next = nextFireAt(schedule, from);
        const nextLater = nextFireAt(schedule, from + step);
        if (next === null) return nextLater === null;
        expect(next).toBeGreaterThan(from);
        if (nextLater !== null) expect(nextLater).toBeGreaterThanOrEqual(next);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("lists between two instants exactly the chain of next fire times", () => {
    fc.assert(
      fc.property(timing, instant, fc.integer({ min: 0, max: 10 * 86_400_000 }), (schedule, from, span) => {
        const chain: number[] = [];
        for (let at = nextFireAt(schedule, from); at !== null && at <= from + span && chain.length < 50;) {
          chain.push(at);
          at = nextFireAt(schedule, at);
        }
        expect(fireTimesBetween(schedule, from, from + span, 50)).toEqual(chain);
      }),
      { numRuns: 200 },
    );
  });

  it("never skips a fire time: asked from anywhere before it, the answer is that time", () => {
    fc.assert(
      fc.property(timing, instant, fc.double({ min: 0, max: 1, noNaN: true }), (schedule, from, fraction) => {
        const next = nextFireAt(schedule, from);
        if (next === null) return;
        const between = from + Math.floor((next - from - 1) * fraction);
        expect(nextFireAt(schedule, between)).toBe(next);
      }),
      { numRuns: 300 },
    );
  });
});
