import { describe, expect, it, vi } from "vitest";
import {
  ErrorCode,
  JobCancelledError,
  JobTimeoutError,
  PermanentError,
  RetryAfterError,
} from "../../src/domain/errors.js";
import type { ClaimedJob } from "../../src/domain/job.js";
import type { ResolvedRetryPolicy, RetryDelayFunction } from "../../src/domain/retry-policy.js";
import { decideFailure, describeError } from "../../src/worker/attempt-failure.js";

const NOW = Date.UTC(2030, 0, 1, 12);
const AT = new Date(NOW).toISOString();
const half = () => 0.5;

function claimedJob(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  return {
    id: "17",
    task: "send-email",
    queue: "default",
    payload: {},
    state: "running",
    priority: 0,
    runAt: new Date(NOW - 1_000),
    attempt: 1,
    maxAttempts: 3,
    timeoutMs: null,
    tags: [],
    idempotencyKey: null,
    concurrencyKey: null,
    rateLimitKey: null,
    circuitKey: null,
    scheduleId: null,
    fireAt: null,
    traceId: null,
    progress: null,
    result: null,
    lastError: null,
    cancelRequested: false,
    leaseOwner: "worker-1",
    leaseExpiresAt: new Date(NOW + 30_000),
    createdAt: new Date(NOW - 5_000),
    startedAt: new Date(NOW - 1_000),
    finishedAt: null,
    fence: 1,
    retryPolicy: null,
    traceContext: null,
    ...overrides,
  };
}

const fixed = (delayMs: number): ResolvedRetryPolicy => ({ kind: "fixed", delayMs });

describe("decideFailure", () => {
  it("queues the job again after the default policy's delay when nothing else is set", () => {
    // default: exponential from 1 s, factor 2, full jitter; random 0.5 takes half
    expect(decideFailure(claimedJob({ attempt: 1 }), new Error("x"), null, NOW, half)).toMatchObject({
      state: "queued",
      runAt: NOW + 500,
    });
    expect(decideFailure(claimedJob({ attempt: 2 }), new Error("x"), null, NOW, half).runAt).toBe(
      NOW + 1_000,
    );
  });

  it("carries the lease of the attempt: the job id and its fence", () => {
    const failure = decideFailure(
      claimedJob({ id: "99", attempt: 1, fence: 6 }),
      new Error("x"),
      null,
      NOW,
      half,
    );
    expect(failure).toMatchObject({ id: "99", fence: 6 });
  });

  it("prefers the job's retry policy to the task's", () => {
    const job = claimedJob({ retryPolicy: fixed(7_000) });
    expect(decideFailure(job, new Error("x"), fixed(3_000), NOW).runAt).toBe(NOW + 7_000);
  });

  it("prefers the task's retry policy to the default", () => {
    expect(decideFailure(claimedJob(), new Error("x"), fixed(3_000), NOW).runAt).toBe(NOW + 3_000);
  });

  it("passes the attempt and the error to the task's retry function", () => {
    const policy = vi.fn<RetryDelayFunction>(() => 4_321);
    const error = new Error("rate limited");
    const failure = decideFailure(claimedJob({ attempt: 2 }), error, policy, NOW);
    expect(policy).toHaveBeenCalledWith(2, error);
    expect(failure.runAt).toBe(NOW + 4_321);
  });

  it("uses the job's stored policy rather than the task's retry function", () => {
    const policy = vi.fn<RetryDelayFunction>(() => 1);
    const failure = decideFailure(claimedJob({ retryPolicy: fixed(9_000) }), new Error("x"), policy, NOW);
    expect(policy).not.toHaveBeenCalled();
    expect(failure.runAt).toBe(NOW + 9_000);
  });

  it("uses the delay a RetryAfterError asks for instead of any policy", () => {
    const job = claimedJob({ retryPolicy: fixed(7_000) });
    const failure = decideFailure(job, new RetryAfterError(60_000), fixed(3_000), NOW);
    expect(failure).toMatchObject({ state: "queued", runAt: NOW + 60_000 });
    expect(failure.error.code).toBe(ErrorCode.RetryAfter);
  });

  it("retries a timed-out attempt and records JOB_TIMEOUT", () => {
    const failure = decideFailure(claimedJob(), new JobTimeoutError(5_000), fixed(100), NOW);
    expect(failure).toMatchObject({ state: "queued", runAt: NOW + 100 });
    expect(failure.error.code).toBe(ErrorCode.JobTimeout);
  });

  it("sends the job to the dead-letter queue on a PermanentError, attempts left or not", () => {
    const failure = decideFailure(
      claimedJob({ attempt: 1, maxAttempts: 10 }),
      new PermanentError("gone"),
      null,
      NOW,
    );
    expect(failure).toMatchObject({ state: "dead", runAt: null });
    expect(failure.error).toMatchObject({
      code: ErrorCode.PermanentFailure,
      name: "PermanentError",
      message: "gone",
    });
  });

  it("sends the job to the dead-letter queue when the last attempt fails", () => {
    const failure = decideFailure(claimedJob({ attempt: 3, maxAttempts: 3 }), new Error("x"), fixed(10), NOW);
    expect(failure).toMatchObject({ state: "dead", runAt: null });
  });

  it("sends the job to the dead-letter queue when attempts somehow went past the budget", () => {
    expect(decideFailure(claimedJob({ attempt: 5, maxAttempts: 3 }), new Error("x"), null, NOW).state).toBe(
      "dead",
    );
  });

  it("does not retry an exhausted job even when RetryAfterError asks for it", () => {
    const failure = decideFailure(
      claimedJob({ attempt: 3, maxAttempts: 3 }),
      new RetryAfterError(1_000),
      null,
      NOW,
    );
    expect(failure).toMatchObject({ state: "dead", runAt: null });
  });

  it("retries while attempts remain", () => {
    expect(
      decideFailure(claimedJob({ attempt: 2, maxAttempts: 3 }), new Error("x"), fixed(10), NOW).state,
    ).toBe("queued");
  });

  it("treats the first failure as final when the budget is one attempt", () => {
    expect(decideFailure(claimedJob({ attempt: 1, maxAttempts: 1 }), new Error("x"), null, NOW).state).toBe(
      "dead",
    );
  });

  it("cancels the job when the attempt ended because of cancellation", () => {
    const failure = decideFailure(claimedJob(), new JobCancelledError(), fixed(10), NOW);
    expect(failure).toMatchObject({ state: "cancelled", runAt: null });
    expect(failure.error.code).toBe(ErrorCode.JobCancelled);
  });

  it("cancels rather than kills an exhausted job that was cancelled", () => {
    const failure = decideFailure(
      claimedJob({ attempt: 3, maxAttempts: 3 }),
      new JobCancelledError(),
      null,
      NOW,
    );
    expect(failure.state).toBe("cancelled");
  });

  it("stores the error's code, name, message, stack, attempt and time", () => {
    const error = new TypeError("cannot read 'id' of undefined");
    const failure = decideFailure(claimedJob({ attempt: 2 }), error, fixed(10), NOW);
    expect(failure.error).toEqual({
      code: ErrorCode.HandlerFailed,
      name: "TypeError",
      message: "cannot read 'id' of undefined",
      stack: error.stack,
      attempt: 2,
      at: AT,
    });
  });
});

describe("describeError", () => {
  class PaymentDeclined extends Error {
    override name = "PaymentDeclined";
  }

  it("keeps the name of a custom error class", () => {
    expect(describeError(new PaymentDeclined("card expired"), 1, NOW)).toMatchObject({
      code: ErrorCode.HandlerFailed,
      name: "PaymentDeclined",
      message: "card expired",
    });
  });

  it("keeps the stable code of a TaskFlow error", () => {
    expect(describeError(new JobTimeoutError(100), 1, NOW).code).toBe(ErrorCode.JobTimeout);
  });

  it("leaves out the stack when the error has none", () => {
    const error = new Error("no stack");
    delete error.stack;
    const stored = describeError(error, 1, NOW);
    expect(stored).not.toHaveProperty("stack");
    expect(stored.message).toBe("no stack");
  });

  it.each<[string, unknown, string]>([
    ["a string", "boom", "boom"],
    ["a number", 42, "42"],
    ["null", null, "null"],
    ["undefined", undefined, "undefined"],
    ["a plain object", { reason: "quota", left: 0 }, '{"reason":"quota","left":0}'],
    ["an array", [1, "two"], '[1,"two"]'],
    ["a bigint", 10n, "10"],
    ["a symbol", Symbol("oops"), "Symbol(oops)"],
  ])("stores a thrown %s as a NonError with a readable message", (_label, thrown, message) => {
    expect(describeError(thrown, 3, NOW)).toEqual({
      code: ErrorCode.HandlerFailed,
      name: "NonError",
      message,
      attempt: 3,
      at: AT,
    });
  });

  it("stores a thrown object with a cycle without failing", () => {
    const thrown: Record<string, unknown> = { a: 1 };
    thrown.self = thrown;
    expect(describeError(thrown, 1, NOW).message).toBe("[object Object]");
  });

  it("cuts a runaway message to 8000 characters and says so", () => {
    const stored = describeError(new Error("x".repeat(20_000)), 1, NOW);
    expect(stored.message).toBe(`${"x".repeat(8_000)}… [truncated]`);
    expect(stored.stack?.length).toBeLessThanOrEqual(8_000 + "… [truncated]".length);
  });

  it("keeps a message of exactly 8000 characters whole", () => {
    expect(describeError(new Error("y".repeat(8_000)), 1, NOW).message).toBe("y".repeat(8_000));
  });

  it("escapes NUL characters, which the database cannot store", () => {
    const error = new Error("bad\0byte");
    const stored = describeError(error, 1, NOW);
    expect(stored.message).toBe("bad\\0byte");
    expect(stored.stack).not.toContain("\0");
    expect(describeError("a\0b", 1, NOW).message).toBe("a\\0b");
  });

  it("records the time as an ISO string of now", () => {
    expect(describeError(new Error("x"), 1, Date.UTC(2031, 5, 15, 8, 30)).at).toBe(
      "2031-06-15T08:30:00.000Z",
    );
  });
});
