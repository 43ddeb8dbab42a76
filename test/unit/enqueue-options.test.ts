import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_IDEMPOTENCY_TTL_MS,
  resolveEnqueue,
  serializePayload,
  type EnqueueOptions,
} from "../../src/domain/enqueue-options.js";
import { ErrorCode } from "../../src/domain/errors.js";
import { expectInvalidInput } from "./thrown-error.js";

const NOW = Date.UTC(2030, 0, 1);

/** Options as an untyped caller (plain JavaScript, JSON config) might pass them. */
const untyped = (options: Record<string, unknown>) => options as EnqueueOptions;

const resolve = (options: EnqueueOptions = {}, payload: unknown = {}, task = "send-email") =>
  resolveEnqueue(task, payload, options, NOW);

function expectBadOption(options: Record<string, unknown>, option: string): void {
  const error = expectInvalidInput(() => resolve(untyped(options)), ErrorCode.InvalidOption);
  expect(error.details).toEqual({ option });
}

describe("resolveEnqueue", () => {
  it("fills in the defaults for a bare request", () => {
    expect(resolve({}, { to: "ada@example.com" })).toEqual({
      task: "send-email",
      queue: "default",
      payloadJson: '{"to":"ada@example.com"}',
      priority: 0,
      runAt: NOW,
      maxAttempts: null,
      timeoutMs: null,
      retry: null,
      tags: [],
      idempotencyKey: null,
      idempotencyExpiresAt: null,
      concurrencyKey: null,
      rateLimitKey: null,
      circuitKey: null,
      dependsOn: [],
    });
  });

  it("keeps a concurrency key and a rate-limit key as given", () => {
    expect(resolve({ concurrencyKey: "tenant:42", rateLimitKey: "api.example.com" })).toMatchObject({
      concurrencyKey: "tenant:42",
      rateLimitKey: "api.example.com",
    });
  });

  it.each([
    ["concurrencyKey", ""],
    ["concurrencyKey", "a\0b"],
    ["concurrencyKey", "k".repeat(501)],
    ["concurrencyKey", 42],
    ["rateLimitKey", ""],
    ["rateLimitKey", { host: "x" }],
  ])("refuses %s %j with INVALID_OPTION, naming the option", (name, value) => {
    expect(() => resolve({ [name]: value })).toThrow(
      expect.objectContaining({ code: "INVALID_OPTION", details: { option: name } }),
    );
  });

  it("keeps every valid option, resolved to milliseconds", () => {
    const job = resolve({
      priority: -5,
      queue: "emails/high",
      maxAttempts: 5,
      timeout: "30s",
      retry: { kind: "fixed", delay: "10s" },
      tags: ["billing", "eu"],
      idempotencyKey: "invoice-42",
      idempotencyTtl: "1h",
    });
    expect(job).toMatchObject({
      priority: -5,
      queue: "emails/high",
      maxAttempts: 5,
      timeoutMs: 30_000,
      retry: { kind: "fixed", delayMs: 10_000 },
      tags: ["billing", "eu"],
      idempotencyKey: "invoice-42",
      idempotencyExpiresAt: NOW + 3_600_000,
    });
  });

  describe("when the job may run", () => {
    it("runs at the given runAt", () => {
      const runAt = new Date(NOW + 90_000);
      expect(resolve({ runAt }).runAt).toBe(NOW + 90_000);
    });

    it("accepts a runAt in the past", () => {
      expect(resolve({ runAt: new Date(NOW - 1_000) }).runAt).toBe(NOW - 1_000);
    });

    it("runs the delay after now", () => {
      expect(resolve({ delay: "5m" }).runAt).toBe(NOW + 300_000);
      expect(resolve({ delay: 1_500 }).runAt).toBe(NOW + 1_500);
    });

    it("refuses runAt and delay together", () => {
      expectBadOption({ runAt: new Date(NOW), delay: "1s" }, "runAt");
    });

    it("refuses an invalid Date", () => {
      expectBadOption({ runAt: new Date(Number.NaN) }, "runAt");
    });

    it("refuses a runAt that is not a Date", () => {
      expectBadOption({ runAt: "2030-01-01T00:00:00Z" }, "runAt");
      expectBadOption({ runAt: NOW }, "runAt");
    });

    it.each<[string, unknown]>([
      ["a negative", "-5s"],
      ["a negative numeric", -1],
      ["a malformed", "in a minute"],
      ["a NaN", Number.NaN],
    ])("refuses %s delay with INVALID_DURATION naming delay", (_label, delay) => {
      const error = expectInvalidInput(() => resolve(untyped({ delay })), ErrorCode.InvalidDuration);
      expect(error.details).toEqual({ option: "delay" });
      expect(error.message).toContain("delay");
    });
  });

  describe("priority", () => {
    it.each([0, -5, 100, 2_147_483_647, -2_147_483_647])("accepts the whole number %i", (priority) => {
      expect(resolve({ priority }).priority).toBe(priority);
    });

    it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, "1"])("refuses %s", (priority) => {
      expectBadOption({ priority }, "priority");
    });
  });

  describe("names", () => {
    it.each([
      ["a single letter", "a"],
      ["a kebab-case name", "send-email"],
      ["every allowed punctuation mark", "billing.invoice:send/v2_final"],
      ["200 characters", "x".repeat(200)],
    ])("accepts a task name of %s", (_label, task) => {
      expect(resolve({}, {}, task).task).toBe(task);
    });

    it.each([
      ["an empty name", ""],
      ["a space", "has space"],
      ["a non-ASCII letter", "naïve"],
      ["201 characters", "x".repeat(201)],
      ["a tab", "tab\tname"],
      ["a NUL", "nul\0name"],
      ["a semicolon", "semi;colon"],
    ])("refuses a task name with %s with INVALID_TASK_NAME", (_label, task) => {
      const error = expectInvalidInput(() => resolve({}, {}, task), ErrorCode.InvalidTaskName);
      expect(error.details).toEqual({ task });
    });

    it("refuses a task name that is not a string with INVALID_TASK_NAME", () => {
      expectInvalidInput(() => resolve({}, {}, 42 as unknown as string), ErrorCode.InvalidTaskName);
    });

    it.each([
      ["a plain name", "emails"],
      ["a slash", "emails/high"],
      ["200 characters", "q".repeat(200)],
    ])("accepts a queue name of %s", (_label, queue) => {
      expect(resolve({ queue }).queue).toBe(queue);
    });

    it.each<[string, unknown]>([
      ["an empty name", ""],
      ["a space", "has space"],
      ["201 characters", "q".repeat(201)],
      ["a NUL", "nul\0"],
      ["a number instead of a string", 7],
    ])("refuses a queue name with %s", (_label, queue) => {
      expectBadOption({ queue }, "queue");
    });

    it("treats a null queue as the default queue", () => {
      expect(resolve(untyped({ queue: null })).queue).toBe("default");
    });
  });

  describe("attempts and timeout", () => {
    it.each([1, 3, 1_000_000])("accepts maxAttempts %i", (maxAttempts) => {
      expect(resolve({ maxAttempts }).maxAttempts).toBe(maxAttempts);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1_000_001])(
      "refuses maxAttempts %s",
      (maxAttempts) => {
        expectBadOption({ maxAttempts }, "maxAttempts");
      },
    );

    it("accepts a timeout from 1 ms to 2^31 - 1 ms", () => {
      expect(resolve({ timeout: 1 }).timeoutMs).toBe(1);
      expect(resolve({ timeout: 2_147_483_647 }).timeoutMs).toBe(2_147_483_647);
    });

    it.each<unknown>([0, "0ms", 2_147_483_648, "25d"])("refuses the out-of-range timeout %j", (timeout) => {
      expectBadOption({ timeout }, "timeout");
    });

    it("refuses a malformed timeout with INVALID_DURATION naming timeout", () => {
      const error = expectInvalidInput(() => resolve({ timeout: "-1s" }), ErrorCode.InvalidDuration);
      expect(error.details).toEqual({ option: "timeout" });
    });
  });

  describe("retry", () => {
    it("resolves an object policy so it can be stored with the job", () => {
      expect(resolve({ retry: { kind: "exponential", base: "2s", jitter: "none" } }).retry).toEqual({
        kind: "exponential",
        baseMs: 2_000,
        factor: 2,
        capMs: 3_600_000,
        jitter: "none",
      });
    });

    it("refuses a retry function, which cannot be stored", () => {
      expectBadOption({ retry: () => 1_000 }, "retry");
    });

    it("refuses an unknown retry kind", () => {
      expectBadOption({ retry: { kind: "linear" } }, "retry");
    });
  });

  describe("tags", () => {
    it("removes duplicate tags and keeps the first order", () => {
      expect(resolve({ tags: ["b", "a", "b", "c", "a"] }).tags).toEqual(["b", "a", "c"]);
    });

    it("accepts a tag of 200 characters", () => {
      expect(resolve({ tags: ["t".repeat(200)] }).tags).toEqual(["t".repeat(200)]);
    });

    it.each<[string, unknown]>([
      ["a string instead of an array", "billing"],
      ["an empty tag", [""]],
      ["a tag over 200 characters", ["t".repeat(201)]],
      ["a tag with a NUL", ["a\0b"]],
      ["a tag that is not a string", ["ok", 1]],
    ])("refuses %s", (_label, tags) => {
      expectBadOption({ tags }, "tags");
    });
  });

  describe("idempotency", () => {
    it("keeps the key for 24 hours by default", () => {
      expect(DEFAULT_IDEMPOTENCY_TTL_MS).toBe(86_400_000);
      expect(resolve({ idempotencyKey: "k" }).idempotencyExpiresAt).toBe(NOW + 86_400_000);
    });

    it("keeps the key for the given ttl", () => {
      expect(resolve({ idempotencyKey: "k", idempotencyTtl: "15m" }).idempotencyExpiresAt).toBe(
        NOW + 900_000,
      );
    });

    it("ignores a ttl given without a key", () => {
      expect(resolve({ idempotencyTtl: "15m" })).toMatchObject({
        idempotencyKey: null,
        idempotencyExpiresAt: null,
      });
    });

    it("accepts a key of 1000 characters", () => {
      expect(resolve({ idempotencyKey: "k".repeat(1_000) }).idempotencyKey).toHaveLength(1_000);
    });

    it.each<[string, unknown]>([
      ["an empty key", ""],
      ["a key over 1000 characters", "k".repeat(1_001)],
      ["a key with a NUL", "order\0-1"],
      ["a key that is not a string", 42],
    ])("refuses %s", (_label, idempotencyKey) => {
      expectBadOption({ idempotencyKey }, "idempotencyKey");
    });

    it("refuses a malformed ttl with INVALID_DURATION naming idempotencyTtl", () => {
      const error = expectInvalidInput(
        () => resolve({ idempotencyKey: "k", idempotencyTtl: "-1h" }),
        ErrorCode.InvalidDuration,
      );
      expect(error.details).toEqual({ option: "idempotencyTtl" });
    });
  });

  it("refuses a bad payload with INVALID_PAYLOAD even when the options are valid", () => {
    expectInvalidInput(() => resolve({ queue: "q" }, { callback: () => 1 }), ErrorCode.InvalidPayload);
  });
});

describe("serializePayload", () => {
  class Invoice {
    constructor(readonly id: number) {}
  }
  const cyclic = () => {
    const node: Record<string, unknown> = { name: "a" };
    node.self = node;
    return node;
  };
  const indirectCycle = () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = { a };
    a.b = b;
    return { root: a };
  };
  const cyclicArray = () => {
    const list: unknown[] = [1];
    list.push(list);
    return list;
  };

  it.each<[string, () => unknown, string]>([
    ["a function", () => () => 1, "payload is a function"],
    ["a nested function", () => ({ on: { done: () => 1 } }), "payload.on.done is a function"],
    ["a method named toJSON", () => ({ toJSON: () => "x" }), "payload.toJSON is a function"],
    ["a symbol", () => ({ s: Symbol("s") }), "payload.s is a symbol"],
    ["a bigint", () => ({ amount: 10n }), "payload.amount is a bigint"],
    ["NaN", () => ({ n: Number.NaN }), "payload.n is NaN"],
    ["Infinity", () => [1, Number.POSITIVE_INFINITY], "payload[1] is Infinity"],
    ["-Infinity", () => -Infinity, "payload is -Infinity"],
    ["a direct cycle", cyclic, "payload.self refers to itself"],
    ["an indirect cycle", indirectCycle, "payload.root.b.a refers to itself"],
    ["a cycle through an array", cyclicArray, "payload[1] refers to itself"],
    ["a class instance", () => ({ invoice: new Invoice(1) }), "payload.invoice is a Invoice"],
    ["a Map", () => new Map([["a", 1]]), "payload is a Map"],
    ["a Set", () => ({ ids: new Set([1]) }), "payload.ids is a Set"],
    ["a typed array", () => new Uint8Array([1]), "payload is a Uint8Array"],
    ["a RegExp", () => ({ match: /x/ }), "payload.match is a RegExp"],
    ["a boxed number", () => ({ n: new Number(1) }), "payload.n is a Number"],
    ["an invalid Date", () => ({ at: new Date(Number.NaN) }), "payload.at is an invalid Date"],
    ["a NUL in a string", () => ({ user: { name: "a\0b" } }), "payload.user.name contains a NUL character"],
    ["a NUL in a top-level string", () => "\0", "payload contains a NUL character"],
    ["a NUL in an array item", () => ({ list: ["ok", "\0"] }), "payload.list[1] contains a NUL character"],
    [
      "a NUL in a key",
      () => ({ nested: { "bad\0key": 1 } }),
      "payload.nested has a key with a NUL character",
    ],
  ])("refuses %s with INVALID_PAYLOAD and says where", (_label, make, problem) => {
    const error = expectInvalidInput(() => serializePayload(make()), ErrorCode.InvalidPayload);
    expect(error.message).toContain(problem);
  });

  it("names the value in the message", () => {
    const error = expectInvalidInput(
      () => serializePayload({ f: () => 1 }, "result"),
      ErrorCode.InvalidPayload,
    );
    expect(error.message).toBe("result.f is a function; a result must be plain JSON");
  });

  it("accepts an object reached twice that is not a cycle", () => {
    const shared = { id: 1 };
    expect(JSON.parse(serializePayload({ a: shared, b: [shared, shared] }))).toEqual({
      a: { id: 1 },
      b: [{ id: 1 }, { id: 1 }],
    });
  });

  it("accepts an object without a prototype", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 1;
    expect(serializePayload(bare)).toBe('{"x":1}');
  });

  it("stores a valid Date as its ISO string", () => {
    expect(serializePayload({ at: new Date(NOW) })).toBe('{"at":"2030-01-01T00:00:00.000Z"}');
  });

  it("stores an undefined payload as null", () => {
    expect(serializePayload(undefined)).toBe("null");
  });

  it.each<[string, unknown]>([
    ["null", null],
    ["true", true],
    ["a number", -12.5],
    ["a string", "hello"],
    ["an empty object", {}],
    ["an empty array", []],
    ["unicode and emoji", { text: "héllo wörld ✓ 😀", 日本: "語" }],
    ["escapes other than NUL", { s: 'line\nbreak\ttab\u0001"quote\\' }],
    ["deep nesting", { a: [{ b: [[{ c: null }]] }] }],
  ])("round-trips %s", (_label, value) => {
    expect(JSON.parse(serializePayload(value))).toEqual(value);
  });

  const jsonKey = fc.string().filter((key) => key !== "__proto__");
  const { json } = fc.letrec<{ json: unknown }>((tie) => ({
    json: fc.oneof(
      { depthSize: "small" },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
      fc.string({ unit: "grapheme" }).filter((s) => !s.includes("\0")),
      fc.array(tie("json")),
      fc.dictionary(jsonKey, tie("json")),
    ),
  }));

  it("round-trips any JSON value unchanged", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(JSON.parse(serializePayload(value))).toEqual(value);
      }),
    );
  });

  it("refuses any payload with a NUL character anywhere", () => {
    const withNul = fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}\0${b}`);
    const placed = fc.oneof(
      withNul,
      withNul.map((s) => ({ deep: [{ s }] })),
      withNul.map((s) => ({ [s]: 1 })),
      fc.tuple(json, withNul).map(([other, s]) => [other, { k: s }]),
    );
    fc.assert(
      fc.property(placed, (payload) => {
        expectInvalidInput(() => serializePayload(payload), ErrorCode.InvalidPayload);
      }),
    );
  });
});
