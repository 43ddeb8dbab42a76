import { describe, expect, it } from "vitest";
import { diffText, diffValues } from "../../../dashboard/src/diff.js";

describe("diffValues", () => {
  it("gives no change for equal values", () => {
    expect(
      diffValues({ cron: "0 9 * * *", timezone: "UTC" }, { timezone: "UTC", cron: "0 9 * * *" }),
    ).toEqual([]);
    expect(
      diffValues(
        { retry: { base: "1s" }, calendars: ["a", "b"] },
        { retry: { base: "1s" }, calendars: ["a", "b"] },
      ),
    ).toEqual([]);
    expect(diffValues(3, 3)).toEqual([]);
    expect(diffValues(null, null)).toEqual([]);
    expect(diffValues(undefined, undefined)).toEqual([]);
    expect(diffValues({}, {})).toEqual([]);
  });

  it("lists an added field with no value before", () => {
    expect(diffValues({ cron: "0 9 * * *" }, { cron: "0 9 * * *", overlap: "skip" })).toEqual([
      { path: "overlap", kind: "added", before: undefined, after: "skip" },
    ]);
  });

  it("lists a removed field with no value after", () => {
    expect(diffValues({ cron: "0 9 * * *", maxAttempts: 3 }, { cron: "0 9 * * *" })).toEqual([
      { path: "maxAttempts", kind: "removed", before: 3, after: undefined },
    ]);
  });

  it("lists a changed field with both values", () => {
    expect(diffValues({ every: "30s" }, { every: "1m" })).toEqual([
      { path: "every", kind: "changed", before: "30s", after: "1m" },
    ]);
  });

  it("tells a field set to null from a removed one", () => {
    expect(diffValues({ timeout: "5s" }, { timeout: null })).toEqual([
      { path: "timeout", kind: "changed", before: "5s", after: null },
    ]);
  });

  it("sorts the changes by field name, whatever the key order", () => {
    const changes = diffValues(
      { timezone: "UTC", cron: "0 9 * * *", task: "a" },
      { task: "b", cron: "0 10 * * *", jitter: "5s" },
    );
    expect(changes.map((change) => [change.path, change.kind])).toEqual([
      ["cron", "changed"],
      ["jitter", "added"],
      ["task", "changed"],
      ["timezone", "removed"],
    ]);
  });

  it("compares nested objects field by field, with dotted paths", () => {
    const before = { retry: { base: "1s", max: "1m", jitter: true }, payload: { report: { day: "mon" } } };
    const after = { retry: { base: "2s", max: "1m", factor: 3 }, payload: { report: { day: "tue" } } };
    expect(diffValues(before, after)).toEqual([
      { path: "payload.report.day", kind: "changed", before: "mon", after: "tue" },
      { path: "retry.base", kind: "changed", before: "1s", after: "2s" },
      { path: "retry.factor", kind: "added", before: undefined, after: 3 },
      { path: "retry.jitter", kind: "removed", before: true, after: undefined },
    ]);
  });

  it("lists each field of an object that appears where there was null", () => {
    expect(diffValues({ retry: null }, { retry: { max: "1m", base: "1s" } })).toEqual([
      { path: "retry.base", kind: "added", before: undefined, after: "1s" },
      { path: "retry.max", kind: "added", before: undefined, after: "1m" },
    ]);
  });

  it("lists each field of an object that became null", () => {
    expect(diffValues({ retry: { base: "1s" } }, { retry: null })).toEqual([
      { path: "retry.base", kind: "removed", before: "1s", after: undefined },
    ]);
  });

  it("lists every top-level field of a created or deleted spec", () => {
    const spec = { task: "report", every: "1h" };
    expect(diffValues(null, spec)).toEqual([
      { path: "every", kind: "added", before: undefined, after: "1h" },
      { path: "task", kind: "added", before: undefined, after: "report" },
    ]);
    expect(diffValues(spec, undefined)).toEqual([
      { path: "every", kind: "removed", before: "1h", after: undefined },
      { path: "task", kind: "removed", before: "report", after: undefined },
    ]);
  });

  it("treats an array as one value: any difference changes the whole array", () => {
    expect(diffValues({ calendars: ["holidays"] }, { calendars: ["holidays", "closures"] })).toEqual([
      { path: "calendars", kind: "changed", before: ["holidays"], after: ["holidays", "closures"] },
    ]);
    expect(diffValues({ calendars: ["a", "b"] }, { calendars: ["b", "a"] })).toHaveLength(1);
    expect(diffValues({ payload: [{ n: 1 }] }, { payload: [{ n: 1 }] })).toEqual([]);
  });

  it("does not compare an array with an object field by field", () => {
    expect(diffValues({ payload: [1] }, { payload: { 0: 1 } })).toEqual([
      { path: "payload", kind: "changed", before: [1], after: { 0: 1 } },
    ]);
  });

  it("reports a value that changes type", () => {
    expect(diffValues({ every: 30_000 }, { every: "30s" })).toEqual([
      { path: "every", kind: "changed", before: 30_000, after: "30s" },
    ]);
    expect(diffValues({ payload: "x" }, { payload: { x: 1 } })).toEqual([
      { path: "payload", kind: "changed", before: "x", after: { x: 1 } },
    ]);
  });

  it("gives an empty path when the values themselves are not objects", () => {
    expect(diffValues("a", "b")).toEqual([{ path: "", kind: "changed", before: "a", after: "b" }]);
    expect(diffValues(undefined, 1)).toEqual([{ path: "", kind: "changed", before: undefined, after: 1 }]);
  });

  it("prefixes the paths with the given path", () => {
    expect(diffValues({ base: "1s" }, { base: "2s" }, "retry")).toEqual([
      { path: "retry.base", kind: "changed", before: "1s", after: "2s" },
    ]);
  });

  it("sees payload keys named like Object.prototype members as plain fields", () => {
    // Payloads are the user's JSON: a key may be called "constructor" or "toString".
    expect(diffValues({}, { constructor: "x" })).toEqual([
      { path: "constructor", kind: "added", before: undefined, after: "x" },
    ]);
    expect(diffValues({ toString: 1 }, {})).toEqual([
      { path: "toString", kind: "removed", before: 1, after: undefined },
    ]);
    expect(diffValues({ payload: { valueOf: 1 } }, { payload: { valueOf: 1 } })).toEqual([]);
  });
});

describe("diffText", () => {
  it("shows undefined (no value) as a dash", () => {
    expect(diffText(undefined)).toBe("—");
  });

  it.each<[unknown, string]>([
    [null, "null"],
    ["30s", '"30s"'],
    ["", '""'],
    [0, "0"],
    [false, "false"],
    [["a", "b"], '["a","b"]'],
    [{ base: "1s", max: 3 }, '{"base":"1s","max":3}'],
    [{ nested: { list: [1, null] } }, '{"nested":{"list":[1,null]}}'],
  ])("shows %j as compact JSON", (value, text) => {
    expect(diffText(value)).toBe(text);
  });

  it("falls back to the type for values JSON cannot show", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(diffText(cycle)).toBe("object");
    expect(diffText(10n)).toBe("bigint");
    expect(diffText(() => 1)).toBe("function");
    expect(diffText(Symbol("s"))).toBe("symbol");
  });
});
