import { afterEach, describe, expect, it, vi } from "vitest";
import {
  describeTiming,
  durationSpec,
  formatCount,
  formatDuration,
  formatPercent,
  formatTime,
  jobDuration,
  plural,
  prettyJson,
  relativeTime,
  scheduleZone,
} from "../../../dashboard/src/format.js";
import type { ScheduleTiming } from "../../../dashboard/src/types.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// The dashboard formats with the browser's locale: these tests read only what every locale with
// Latin digits shows the same way (hh:mm:ss before noon, the year), and take the zone's name from Intl.
function zoneName(instant: string, zone: string): string {
  const parts = new Intl.DateTimeFormat(undefined, { timeZone: zone, timeZoneName: "short" }).formatToParts(
    new Date(instant),
  );
  return parts.find((part) => part.type === "timeZoneName")?.value ?? "";
}

describe("formatDuration", () => {
  it.each([
    [0, "0 ms"],
    [450, "450 ms"],
    [12.4, "12 ms"],
    [999, "999 ms"],
  ])("shows %i ms in milliseconds", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [1000, "1.0 s"],
    [1234, "1.2 s"],
    [9_900, "9.9 s"],
    [12_345, "12 s"],
    [59_999, "59 s"],
  ])("shows %i ms in seconds, with a tenth below 10 s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [MINUTE, "1 min"],
    [4 * MINUTE + 5 * SECOND, "4 min 5 s"],
    [59 * MINUTE + 59 * SECOND + 999, "59 min 59 s"],
    [HOUR, "1 h"],
    [2 * HOUR + 10 * MINUTE, "2 h 10 min"],
    [HOUR + 30 * SECOND, "1 h"],
    [DAY, "1 d"],
    [3 * DAY + 4 * HOUR + 59 * MINUTE, "3 d 4 h"],
    [400 * DAY, "400 d"],
  ])("shows %i ms as the largest unit and the one below it", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it("drops the tenth of a second when coarse, and only there", () => {
    expect(formatDuration(1234, true)).toBe("1 s");
    expect(formatDuration(9_900, true)).toBe("9 s");
    expect(formatDuration(450, true)).toBe("450 ms");
    expect(formatDuration(4 * MINUTE + 5 * SECOND, true)).toBe("4 min 5 s");
  });

  it("marks a negative duration with a minus sign", () => {
    expect(formatDuration(-450)).toBe("−450 ms");
    expect(formatDuration(-1500)).toBe("−1.5 s");
    expect(formatDuration(-(4 * MINUTE + 5 * SECOND))).toBe("−4 min 5 s");
  });

  it("shows a dash for a duration that is not a number", () => {
    expect(formatDuration(Number.NaN)).toBe("—");
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe("—");
  });
});

describe("relativeTime", () => {
  const now = Date.parse("2024-06-15T12:00:00Z");

  it("says 'now' within a second either way", () => {
    expect(relativeTime(now, now)).toBe("now");
    expect(relativeTime(now + 999, now)).toBe("now");
    expect(relativeTime(now - 999, now)).toBe("now");
  });

  it.each([
    [12 * SECOND, "in 12 s"],
    [1500, "in 1 s"],
    [5 * MINUTE, "in 5 min"],
    [3 * DAY + 4 * HOUR, "in 3 d 4 h"],
  ])("puts a time %i ms ahead in the future", (ahead, text) => {
    expect(relativeTime(now + ahead, now)).toBe(text);
  });

  it.each([
    [12 * SECOND, "12 s ago"],
    [3 * MINUTE, "3 min ago"],
    [2 * HOUR + 10 * MINUTE, "2 h 10 min ago"],
    [2 * DAY, "2 d ago"],
  ])("puts a time %i ms behind in the past", (behind, text) => {
    expect(relativeTime(now - behind, now)).toBe(text);
  });

  it("reads ISO strings and dates", () => {
    expect(relativeTime("2024-06-15T11:57:00Z", now)).toBe("3 min ago");
    expect(relativeTime(new Date("2024-06-15T12:00:30Z"), now)).toBe("in 30 s");
  });

  it("gives an empty text for a value that is not a time", () => {
    expect(relativeTime("not a date", now)).toBe("");
  });
});

describe("formatTime", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows the wall-clock time of the zone across the spring-forward gap in Europe/Berlin", () => {
    const before = formatTime("2024-03-31T00:30:00Z", "Europe/Berlin");
    const after = formatTime("2024-03-31T01:30:00Z", "Europe/Berlin");
    expect(before).toContain("01:30:00");
    expect(after).toContain("03:30:00");
    expect(before).toContain(zoneName("2024-03-31T00:30:00Z", "Europe/Berlin"));
    expect(after).toContain(zoneName("2024-03-31T01:30:00Z", "Europe/Berlin"));
    expect(before).toContain("2024");
  });

  it("tells apart the two 02:30 of the fall-back night in Europe/Berlin by the zone's name", () => {
    const first = formatTime("2024-10-27T00:30:00Z", "Europe/Berlin");
    const second = formatTime("2024-10-27T01:30:00Z", "Europe/Berlin");
    expect(first).toContain("02:30:00");
    expect(second).toContain("02:30:00");
    expect(first).not.toBe(second);
    expect(first).toContain(zoneName("2024-10-27T00:30:00Z", "Europe/Berlin"));
    expect(second).toContain(zoneName("2024-10-27T01:30:00Z", "Europe/Berlin"));
  });

  it("shows the wall-clock time of the zone across the spring-forward gap in America/New_York", () => {
    const before = formatTime("2024-03-10T06:30:00Z", "America/New_York");
    const after = formatTime("2024-03-10T07:30:00Z", "America/New_York");
    expect(before).toContain("01:30:00");
    expect(after).toContain("03:30:00");
    expect(before).toContain(zoneName("2024-03-10T06:30:00Z", "America/New_York"));
    expect(after).toContain(zoneName("2024-03-10T07:30:00Z", "America/New_York"));
    expect(zoneName("2024-03-10T06:30:00Z", "America/New_York")).not.toBe(
      zoneName("2024-03-10T07:30:00Z", "America/New_York"),
    );
  });

  it("shows one instant at each zone's own hour", () => {
    expect(formatTime("2024-07-01T06:00:00Z", "Europe/Berlin")).toContain("08:00:00");
    expect(formatTime("2024-07-01T06:00:00Z", "America/New_York")).toContain("02:00:00");
    expect(formatTime("2024-07-01T06:00:00Z", "UTC")).toContain("06:00:00");
  });

  it("reads an ISO string, epoch milliseconds and a Date the same way", () => {
    const iso = "2024-03-31T01:30:00Z";
    const text = formatTime(iso, "Europe/Berlin");
    expect(formatTime(Date.parse(iso), "Europe/Berlin")).toBe(text);
    expect(formatTime(new Date(iso), "Europe/Berlin")).toBe(text);
  });

  it("shows the year with a zone even in the current year, and without one only in another year", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2024-06-15T12:00:00Z"));
    expect(formatTime("2024-03-01T12:00:00Z", "UTC")).toContain("2024");
    expect(formatTime("2024-03-01T12:00:00Z")).not.toContain("2024");
    expect(formatTime("2023-03-01T12:00:00Z")).toContain("2023");
  });

  it("returns a value that is not a time as given", () => {
    expect(formatTime("soon")).toBe("soon");
    expect(formatTime("soon", "UTC")).toBe("soon");
  });

  it("falls back to ISO 8601 for a zone Intl does not know", () => {
    expect(formatTime("2024-03-31T01:30:00Z", "Mars/Olympus_Mons")).toBe("2024-03-31T01:30:00.000Z");
  });
});

describe("jobDuration", () => {
  it("is a dash for a job not started", () => {
    expect(jobDuration(null, null)).toBe("—");
  });

  it("measures from start to finish", () => {
    expect(jobDuration("2024-06-15T12:00:00Z", "2024-06-15T12:04:05Z")).toBe("4 min 5 s");
  });

  it("measures a running job up to now", () => {
    expect(jobDuration("2024-06-15T12:00:00Z", null, Date.parse("2024-06-15T12:00:01.500Z"))).toBe("1.5 s");
  });
});

describe("durationSpec", () => {
  it.each([
    [0, "0s"],
    [20 * SECOND, "20s"],
    [5 * MINUTE, "5m"],
    [HOUR + 30 * MINUTE, "1h30m"],
    [DAY, "1d"],
    [1500, "1s500ms"],
    [250, "250ms"],
    [DAY + HOUR + MINUTE + SECOND + 1, "1d1h1m1s1ms"],
  ])("writes %i ms as %j", (ms, text) => {
    expect(durationSpec(ms)).toBe(text);
  });
});

describe("scheduleZone", () => {
  it("is a cron's own zone", () => {
    expect(scheduleZone({ kind: "cron", expression: "0 9 * * 1-5", timezone: "Europe/Paris" })).toBe(
      "Europe/Paris",
    );
  });

  it("is UTC for an interval or a one-off", () => {
    expect(scheduleZone({ kind: "every", intervalMs: 20 * SECOND, anchorMs: 0 })).toBe("UTC");
    expect(scheduleZone({ kind: "at", atMs: Date.parse("2030-01-31T09:00:00Z") })).toBe("UTC");
  });
});

describe("describeTiming", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("names a cron's expression and zone", () => {
    expect(describeTiming({ kind: "cron", expression: "0 9 * * 1-5", timezone: "Europe/Paris" })).toBe(
      "cron 0 9 * * 1-5 (Europe/Paris)",
    );
  });

  it.each<[number, string]>([
    [20 * SECOND, "every 20s"],
    [HOUR + 30 * MINUTE, "every 1h30m"],
    [DAY, "every 1d"],
    [1500, "every 1s500ms"],
  ])("writes an interval of %i ms in the API's duration syntax", (intervalMs, text) => {
    const timing: ScheduleTiming = {
      kind: "every",
      intervalMs,
      anchorMs: Date.parse("2024-01-01T00:00:00Z"),
    };
    expect(describeTiming(timing)).toBe(text);
  });

  it("shows a one-off's time in the viewer's zone", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2024-06-15T12:00:00Z"));
    const atMs = Date.parse("2030-01-31T09:00:00Z");
    const text = describeTiming({ kind: "at", atMs });
    expect(text).toBe(`once at ${formatTime(atMs)}`);
    expect(text).toContain("2030");
  });
});

describe("formatCount and plural", () => {
  it("writes small counts as they are", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
  });

  it("groups the digits of large counts", () => {
    const text = formatCount(1_234_567);
    expect(text.replace(/\D/g, "")).toBe("1234567");
    expect(text).not.toBe("1234567");
  });

  it.each<[number, string]>([
    [0, "0 runs"],
    [1, "1 run"],
    [2, "2 runs"],
  ])("uses the singular only for one: %i", (count, text) => {
    expect(plural(count, "run")).toBe(text);
  });

  it("takes an irregular plural", () => {
    expect(plural(1, "entry", "entries")).toBe("1 entry");
    expect(plural(3, "entry", "entries")).toBe("3 entries");
  });

  it("groups the count it shows", () => {
    expect(plural(1_234_567, "run")).toBe(`${formatCount(1_234_567)} runs`);
  });
});

describe("formatPercent", () => {
  it.each<[number, string]>([
    [0, "0%"],
    [1, "100%"],
    [0.5, "50%"],
    [0.123, "12%"],
    [0.1, "10%"],
    [0.05, "5.0%"],
    [0.0123, "1.2%"],
  ])("shows %d as %j, with a decimal only for small non-zero shares", (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text);
  });
});

describe("prettyJson", () => {
  it("indents objects and arrays by two spaces", () => {
    expect(prettyJson({ a: 1, b: [true, null] })).toBe('{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}');
  });

  it("shows null as null and undefined as a dash", () => {
    expect(prettyJson(null)).toBe("null");
    expect(prettyJson(undefined)).toBe("—");
  });

  it("shows scalars as JSON", () => {
    expect(prettyJson("report")).toBe('"report"');
    expect(prettyJson(42)).toBe("42");
  });

  it("falls back to the type for values JSON cannot show", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(prettyJson(cycle)).toBe("object");
    expect(prettyJson(() => 1)).toBe("function");
  });
});
