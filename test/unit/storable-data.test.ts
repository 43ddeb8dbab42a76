// Regressions: data a PostgreSQL jsonb or integer column refuses must be caught before it reaches
// a batched statement, where one bad item would fail the whole batch.
import { getEventListeners } from "node:events";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/domain/duration.js";
import { resolveEnqueue } from "../../src/domain/enqueue-options.js";
import { InvalidInputError } from "../../src/domain/errors.js";
import type { ClaimedJob } from "../../src/domain/job.js";
import { retryDelayMs } from "../../src/domain/retry-policy.js";
import { sleepUntil } from "../../src/time/clock.js";
import { FakeClock } from "../../src/time/fake-clock.js";
import { SystemClock } from "../../src/time/system-clock.js";
import { decideFailure, describeError } from "../../src/worker/attempt-failure.js";
import { BatchWriter } from "../../src/worker/batch-writer.js";
import { TaskRegistry } from "../../src/worker/task-registry.js";

const WELL_FORMED = (text: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).code;
  }
  return undefined;
}

const job = (overrides: Partial<ClaimedJob> = {}): ClaimedJob =>
  ({ id: "1", fence: 1, attempt: 1, maxAttempts: 3, retryPolicy: null, ...overrides }) as ClaimedJob;

describe("data PostgreSQL would refuse", () => {
  it("refuses a payload with half of a surrogate pair, in a value or a key", () => {
    expect(codeOf(() => resolveEnqueue("t", { s: "\ud83d" }, {}, 0))).toBe("INVALID_PAYLOAD");
    expect(codeOf(() => resolveEnqueue("t", { ["\udc00"]: 1 }, {}, 0))).toBe("INVALID_PAYLOAD");
    expect(codeOf(() => resolveEnqueue("t", { s: "😀 whole pairs are fine" }, {}, 0))).toBeUndefined();
  });

  it("stores error text cut inside an emoji, or with NUL in its name, as well-formed text", () => {
    const error = new Error("x".repeat(7999) + "😀😀");
    error.name = "Bad\0Name\ud800";
    const stored = describeError(error, 1, 0);
    expect(WELL_FORMED(stored.message)).toBe(true);
    expect(stored.message.endsWith("… [truncated]")).toBe(true);
    expect(stored.name).not.toContain("\0");
    expect(WELL_FORMED(stored.name)).toBe(true);
  });

  it("describes a thrown value that cannot be turned into a string", () => {
    const weird = Object.create(null) as Record<string, unknown>;
    weird.self = weird;
    expect(describeError(weird, 1, 0)).toMatchObject({ code: "HANDLER_FAILED", message: "[object Object]" });
  });

  it("refuses task timeouts and attempt counts beyond what the database stores", () => {
    const registry = new TaskRegistry();
    expect(codeOf(() => registry.register("long", { run: () => undefined, timeout: "30d" }))).toBe(
      "INVALID_OPTION",
    );
    expect(codeOf(() => registry.register("many", { run: () => undefined, maxAttempts: 2_000_000 }))).toBe(
      "INVALID_OPTION",
    );
  });

  it("refuses durations that are bigints or overflow to Infinity, with INVALID_DURATION", () => {
    expect(codeOf(() => parseDuration(10n as unknown as number))).toBe("INVALID_DURATION");
    expect(codeOf(() => parseDuration(`1${"0".repeat(400)}ms`))).toBe("INVALID_DURATION");
    expect(() => parseDuration(Number.NaN)).toThrow(/got NaN/);
  });

  it("never computes a NaN retry delay, even from a zero base over many attempts", () => {
    const policy = {
      kind: "exponential" as const,
      baseMs: 0,
      factor: 10,
      capMs: 1000,
      jitter: "none" as const,
    };
    expect(retryDelayMs(policy, 310, new Error())).toBe(0);
  });

  it("falls back to the default policy when a retry function throws", () => {
    const failure = decideFailure(
      job(),
      new Error("boom"),
      () => {
        throw new Error("bad policy");
      },
      1000,
      () => 0.5,
    );
    expect(failure.state).toBe("queued");
    expect(failure.runAt).toBe(1000 + 500);
  });
});

describe("batches", () => {
  it("writes the rest of a batch when the database refuses one item's data", async () => {
    const clock = new FakeClock();
    const written: string[][] = [];
    const writer = new BatchWriter<{ id: string }>(
      (items) => {
        written.push(items.map((i) => i.id));
        if (items.some((i) => i.id === "bad")) {
          return Promise.reject(
            Object.assign(new Error("invalid input syntax for type json"), { code: "22P02" }),
          );
        }
        return Promise.resolve(new Set(items.map((i) => i.id)));
      },
      clock,
      pino({ level: "silent" }),
      10_000,
    );
    const results = await Promise.all([
      writer.add({ id: "a" }),
      writer.add({ id: "bad" }),
      writer.add({ id: "b" }),
    ]);
    expect(results).toEqual([true, false, true]);
    expect(written[0]).toEqual(["a", "bad", "b"]);
  });
});

describe("sleepUntil", () => {
  it("leaves no abort listener behind when the time has already passed", async () => {
    const controller = new AbortController();
    const clock = new SystemClock();
    for (let i = 0; i < 20; i++) await sleepUntil(clock, clock.now() - 1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
