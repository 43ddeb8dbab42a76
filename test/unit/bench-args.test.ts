// The option checks the bench scripts share: a bad option is a message naming it, never NaN in a run.
import { describe, expect, it } from "vitest";
import { listOf, UsageError, wholeNumber } from "../../bench/bench-args.js";

describe("bench options", () => {
  it("takes whole numbers at or above the minimum only", () => {
    expect(wholeNumber("repeat", "3", 1)).toBe(3);
    expect(wholeNumber("prefetch", "0", 0)).toBe(0);
    for (const bad of ["0", "", " ", "1.5", "x", "-2", "2e400"])
      expect(() => wholeNumber("repeat", bad, 1)).toThrow(UsageError);
    expect(() => wholeNumber("repeat", "x", 1)).toThrow(
      '--repeat must be a whole number of at least 1, got "x"',
    );
  });

  it("takes lists of known items only, naming the unknown ones and what is allowed", () => {
    expect(listOf("only", "e2e, pickup", ["bulk", "e2e", "pickup"])).toEqual(new Set(["e2e", "pickup"]));
    expect(() => listOf("only", "e2e,foo,,bar", ["bulk", "e2e"])).toThrow(
      '--only: unknown "foo", "", "bar"; one or more of bulk, e2e',
    );
  });
});
