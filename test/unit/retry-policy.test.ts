import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../src/domain/errors.js";
import {
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  retryDelayMs,
  type ResolvedRetryPolicy,
  type RetryPolicy,
  type RetryDelayFunction,
} from "../../src/domain/retry-policy.js";
import { expectInvalidInput } from "./thrown-error.js";

type ObjectPolicy = Exclude<RetryPolicy, RetryDelayFunction>;

const exponential = (overrides: Partial<Extract<ResolvedRetryPolicy, { kind: "exponential" }>> = {}) =>
  ({
    kind: "exponential",
    baseMs: 1_000,
    factor: 2,
    capMs: 3_600_000,
    jitter: "none",
    ...overrides,
  }) as const;

const never = () => {
  throw new Error("random() should not be called");
};

describe("resolveRetryPolicy", () => {
  it("resolves a fixed policy's delay to milliseconds", () => {
    expect(resolveRetryPolicy({ kind: "fixed", delay: "5s" })).toEqual({ kind: "fixed", delayMs: 5_000 });
    expect(resolveRetryPolicy({ kind: "fixed", delay: 250 })).toEqual({ kind: "fixed", delayMs: 250 });
  });

  it("fills an exponential policy with the documented defaults", () => {
    expect(resolveRetryPolicy({ kind: "exponential" })).toEqual(DEFAULT_RETRY_POLICY);
    expect(DEFAULT_RETRY_POLICY).toEqual({
      kind: "exponential",
      baseMs: 1_000,
      factor: 2,
      capMs: 3_600_000,
      jitter: "full",
    });
  });

  it("keeps every option given to an exponential policy", () => {
    expect(
      resolveRetryPolicy({ kind: "exponential", base: "200ms", factor: 3, cap: "10m", jitter: "equal" }),
    ).toEqual({ kind: "exponential", baseMs: 200, factor: 3, capMs: 600_000, jitter: "equal" });
  });

  it("resolves to plain JSON that survives a round trip", () => {
    const resolved = resolveRetryPolicy({ kind: "exponential", base: "1s", jitter: "none" });
    expect(JSON.parse(JSON.stringify(resolved))).toEqual(resolved);
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["a string", "exponential"],
    ["an unknown kind", { kind: "linear" }],
    ["a missing kind", { delay: "1s" }],
    ["a factor below 1", { kind: "exponential", factor: 0.5 }],
    ["a NaN factor", { kind: "exponential", factor: Number.NaN }],
    ["an infinite factor", { kind: "exponential", factor: Number.POSITIVE_INFINITY }],
    ["a factor given as a string", { kind: "exponential", factor: "2" }],
    ["an unknown jitter", { kind: "exponential", jitter: "half" }],
  ])("refuses %s with INVALID_OPTION", (_label, policy) => {
    const error = expectInvalidInput(
      () => resolveRetryPolicy(policy as ObjectPolicy),
      ErrorCode.InvalidOption,
    );
    expect(error.details).toEqual({ option: "retry" });
  });

  it.each<[string, ObjectPolicy]>([
    ["retry.delay", { kind: "fixed", delay: "-1s" }],
    ["retry.delay", { kind: "fixed", delay: "soon" }],
    ["retry.base", { kind: "exponential", base: "1 second" }],
    ["retry.cap", { kind: "exponential", cap: -1 }],
  ])("refuses a bad duration in %s with INVALID_DURATION naming it", (option, policy) => {
    const error = expectInvalidInput(() => resolveRetryPolicy(policy), ErrorCode.InvalidDuration);
    expect(error.message).toContain(option);
    expect(error.details).toEqual({ option });
  });
});

describe("retryDelayMs", () => {
  it("waits the same delay after every attempt under a fixed policy", () => {
    const policy = { kind: "fixed", delayMs: 7_000 } as const;
    for (const attempt of [1, 2, 10, 1_000]) expect(retryDelayMs(policy, attempt, null, never)).toBe(7_000);
  });

  it("doubles the delay with each attempt under an exponential policy", () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(exponential(), attempt, null, never));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it("grows by the policy's factor", () => {
    const policy = exponential({ baseMs: 100, factor: 3 });
    expect([1, 2, 3].map((attempt) => retryDelayMs(policy, attempt, null, never))).toEqual([100, 300, 900]);
  });

  it("never waits longer than the cap", () => {
    const policy = exponential({ capMs: 5_000 });
    expect(retryDelayMs(policy, 3, null, never)).toBe(4_000);
    expect(retryDelayMs(policy, 4, null, never)).toBe(5_000);
    expect(retryDelayMs(policy, 50, null, never)).toBe(5_000);
  });

  it("stays at the cap for absurd attempt numbers instead of overflowing", () => {
    expect(retryDelayMs(exponential(), 1_000_000, null, never)).toBe(3_600_000);
    expect(retryDelayMs(exponential({ factor: 1e6 }), 5_000, null, never)).toBe(3_600_000);
  });

  it("uses the whole range [0, delay] with full jitter", () => {
    const policy = exponential({ baseMs: 1_000, jitter: "full" });
    expect(retryDelayMs(policy, 1, null, () => 0)).toBe(0);
    expect(retryDelayMs(policy, 1, null, () => 0.5)).toBe(500);
    expect(retryDelayMs(policy, 2, null, () => 0.25)).toBe(500);
    expect(retryDelayMs(policy, 1, null, () => 0.999_999)).toBe(1_000);
  });

  it("waits at least half the delay with equal jitter", () => {
    const policy = exponential({ baseMs: 1_000, jitter: "equal" });
    expect(retryDelayMs(policy, 1, null, () => 0)).toBe(500);
    expect(retryDelayMs(policy, 1, null, () => 0.5)).toBe(750);
    expect(retryDelayMs(policy, 1, null, () => 0.999_999)).toBe(1_000);
  });

  it("does not draw a random number without jitter", () => {
    const random = vi.fn(() => 0.5);
    retryDelayMs(exponential({ jitter: "none" }), 3, null, random);
    retryDelayMs({ kind: "fixed", delayMs: 10 }, 3, null, random);
    expect(random).not.toHaveBeenCalled();
  });

  describe("properties", () => {
    const policyArb = fc.record({
      baseMs: fc.integer({ min: 1, max: 3_600_000 }),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
      capMs: fc.integer({ min: 0, max: 30 * 86_400_000 }),
      jitter: fc.constantFrom("full" as const, "equal" as const, "none" as const),
    });
    const attemptArb = fc.integer({ min: 1, max: 100_000 });
    const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
    const unjittered = (p: { baseMs: number; factor: number; capMs: number }, attempt: number) =>
      Math.min(p.capMs, p.baseMs * Math.pow(p.factor, Math.min(attempt - 1, 1000)));

    it("always returns a whole number of milliseconds between 0 and the cap", () => {
      fc.assert(
        fc.property(policyArb, attemptArb, randomArb, (p, attempt, r) => {
          const delay = retryDelayMs({ kind: "exponential", ...p }, attempt, null, () => r);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(p.capMs);
        }),
      );
    });

    it("keeps full jitter within [0, the unjittered delay]", () => {
      fc.assert(
        fc.property(policyArb, attemptArb, randomArb, (p, attempt, r) => {
          const delay = retryDelayMs({ kind: "exponential", ...p, jitter: "full" }, attempt, null, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.round(unjittered(p, attempt)));
        }),
      );
    });

    it("keeps equal jitter within [half the unjittered delay, the unjittered delay]", () => {
      fc.assert(
        fc.property(policyArb, attemptArb, randomArb, (p, attempt, r) => {
          const raw = unjittered(p, attempt);
          const delay = retryDelayMs({ kind: "exponential", ...p, jitter: "equal" }, attempt, null, () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.round(raw / 2));
          expect(delay).toBeLessThanOrEqual(Math.round(raw));
        }),
      );
    });

    it("never shrinks from one attempt to the next without jitter", () => {
      fc.assert(
        fc.property(policyArb, fc.integer({ min: 1, max: 2_000 }), (p, attempt) => {
          const policy = { kind: "exponential", ...p, jitter: "none" } as const;
          expect(retryDelayMs(policy, attempt + 1, null, never)).toBeGreaterThanOrEqual(
            retryDelayMs(policy, attempt, null, never),
          );
        }),
      );
    });
  });

  describe("with a function policy", () => {
    it("passes the failed attempt and the error to the function", () => {
      const policy = vi.fn<RetryDelayFunction>(() => 1_234);
      const error = new Error("boom");
      expect(retryDelayMs(policy, 4, error)).toBe(1_234);
      expect(policy).toHaveBeenCalledWith(4, error);
    });

    it("rounds the function's delay to whole milliseconds", () => {
      expect(retryDelayMs(() => 10.6, 1, null)).toBe(11);
    });

    it.each([
      ["negative", -5],
      ["NaN", Number.NaN],
      ["infinite", Number.POSITIVE_INFINITY],
    ])("retries at once when the function returns a %s delay", (_label, value) => {
      expect(retryDelayMs(() => value, 1, null)).toBe(0);
    });
  });
});
