import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDuration, type Duration } from "../../src/domain/duration.js";
import { ErrorCode } from "../../src/domain/errors.js";
import { expectInvalidInput } from "./thrown-error.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["2h", 7_200_000],
    ["2d", 172_800_000],
    ["0s", 0],
    ["0ms", 0],
  ])("reads %j as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ["1h30m", 5_400_000],
    ["1m30s", 90_000],
    ["1d2h3m4s5ms", 86_400_000 + 7_200_000 + 180_000 + 4_000 + 5],
    ["1s1s", 2_000],
  ])("adds up the parts of the compound duration %j", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("tells minutes from milliseconds", () => {
    expect(parseDuration("1m")).toBe(60_000);
    expect(parseDuration("1ms")).toBe(1);
    expect(parseDuration("1m1ms")).toBe(60_001);
  });

  it("accepts fractional amounts and rounds to whole milliseconds", () => {
    expect(parseDuration("1.5s")).toBe(1_500);
    expect(parseDuration("0.25m")).toBe(15_000);
    expect(parseDuration("0.4ms")).toBe(0);
    expect(parseDuration("0.5ms")).toBe(1);
  });

  it("ignores surrounding whitespace", () => {
    expect(parseDuration("  5s\n")).toBe(5_000);
  });

  it("takes a number as milliseconds, rounded", () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration(1.4)).toBe(1);
    expect(parseDuration(1.6)).toBe(2);
  });

  it("reads any compound of whole units as their sum", () => {
    const amount = fc.integer({ min: 0, max: 10_000 });
    fc.assert(
      fc.property(amount, amount, amount, amount, amount, (d, h, m, s, ms) => {
        const expected = d * 86_400_000 + h * 3_600_000 + m * 60_000 + s * 1_000 + ms;
        expect(parseDuration(`${d}d${h}h${m}m${s}s${ms}ms`)).toBe(expected);
      }),
    );
  });

  it("returns a whole number of milliseconds for any finite non-negative number", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (value) => {
        const parsed = parseDuration(value);
        expect(Number.isInteger(parsed)).toBe(true);
        expect(Math.abs(parsed - value)).toBeLessThanOrEqual(0.5);
      }),
    );
  });

  it.each<[string, Duration]>([
    ["a negative number", -1],
    ["a negative fraction", -0.5],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["an empty string", ""],
    ["a blank string", "   "],
    ["a number without a unit", "500"],
    ["a negative string", "-5s"],
    ["an unknown unit", "5x"],
    ["a spelled-out unit", "5 seconds"],
    ["a unit without a number", "s"],
    ["exponent notation", "1e3ms"],
    ["trailing garbage", "5s!"],
    ["leading garbage", "about 5s"],
    ["the text NaN", "NaN"],
    ["the text Infinity", "Infinity"],
  ])("rejects %s with INVALID_DURATION", (_label, value) => {
    expectInvalidInput(() => parseDuration(value), ErrorCode.InvalidDuration);
  });

  it.each([
    ["null", null],
    ["undefined", undefined],
    ["an object", { ms: 5 }],
    ["an array", [5]],
    ["a boolean", true],
  ])("rejects %s (not a number or string) with INVALID_DURATION", (_label, value) => {
    expectInvalidInput(() => parseDuration(value as unknown as Duration), ErrorCode.InvalidDuration);
  });

  it("names the option and the value it got in the error", () => {
    const error = expectInvalidInput(
      () => parseDuration("soon", "worker.leaseDuration"),
      ErrorCode.InvalidDuration,
    );
    expect(error.message).toContain("worker.leaseDuration");
    expect(error.message).toContain('"soon"');
    expect(error.details).toEqual({ option: "worker.leaseDuration" });
  });

  it('calls the option "duration" when none is named', () => {
    const error = expectInvalidInput(() => parseDuration(-5), ErrorCode.InvalidDuration);
    expect(error.message).toMatch(/^duration must be/);
    expect(error.details).toEqual({ option: "duration" });
  });

  it("parses correctly after rejecting a malformed string", () => {
    expectInvalidInput(() => parseDuration("5s5x"), ErrorCode.InvalidDuration);
    expect(parseDuration("5s")).toBe(5_000);
    expectInvalidInput(() => parseDuration("1h30"), ErrorCode.InvalidDuration);
    expect(parseDuration("1h30m")).toBe(5_400_000);
  });
});
