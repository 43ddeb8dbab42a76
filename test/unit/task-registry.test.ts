import { describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../../src/domain/errors.js";
import type { TaskContext, TaskDefinition } from "../../src/domain/task.js";
import { DEFAULT_MAX_ATTEMPTS, TaskRegistry } from "../../src/worker/task-registry.js";
import { expectInvalidInput } from "./thrown-error.js";

type Definition = TaskDefinition<never, unknown>;
const run = () => "done";
/** A definition as an untyped caller might write it. */
const untyped = (definition: Record<string, unknown>) => definition as unknown as Definition;

describe("TaskRegistry", () => {
  it("registers a task with the defaults filled in", () => {
    const registry = new TaskRegistry();
    const task = registry.register("send-email", { run });
    expect(task).toEqual({
      name: "send-email",
      run: expect.any(Function) as unknown,
      timeoutMs: null,
      retry: null,
      maxAttempts: 3,
      concurrency: null,
      concurrencyKeyOf: null,
      concurrencyKeyLimit: 1,
      rateLimit: null,
      rateLimitKeyOf: null,
      circuitBreaker: null,
      circuitKeyOf: null,
      saga: null,
    });
    expect(DEFAULT_MAX_ATTEMPTS).toBe(3);
  });

  it("runs the definition's handler with the attempt's context", async () => {
    const handler = vi.fn((ctx: TaskContext<never>) => `attempt ${ctx.attempt}`);
    const task = new TaskRegistry().register("send-email", { run: handler });
    const ctx = { attempt: 2 } as TaskContext<never>;
    await expect(Promise.resolve(task.run(ctx))).resolves.toBe("attempt 2");
    expect(handler).toHaveBeenCalledWith(ctx);
  });

  it("calls a handler written as a method on its definition", async () => {
    const definition = {
      greeting: "hello",
      run(this: { greeting: string }) {
        return this.greeting;
      },
    };
    const task = new TaskRegistry().register("greet", definition);
    await expect(Promise.resolve(task.run({} as TaskContext<never>))).resolves.toBe("hello");
  });

  it("finds what it registered by name", () => {
    const registry = new TaskRegistry();
    const a = registry.register("a", { run });
    const b = registry.register("b", { run });
    expect(registry.get("a")).toBe(a);
    expect(registry.has("b")).toBe(true);
    expect(registry.all()).toEqual([a, b]);
  });

  it("knows nothing of a task it did not register", () => {
    const registry = new TaskRegistry();
    expect(registry.get("missing")).toBeUndefined();
    expect(registry.has("missing")).toBe(false);
    expect(registry.all()).toEqual([]);
  });

  it("resolves the options it is given", () => {
    const task = new TaskRegistry().register("report", {
      run,
      timeout: "30s",
      retry: { kind: "fixed", delay: "1m" },
      maxAttempts: 5,
      concurrency: 2,
    });
    expect(task).toMatchObject({
      timeoutMs: 30_000,
      retry: { kind: "fixed", delayMs: 60_000 },
      maxAttempts: 5,
      concurrency: 2,
    });
  });

  it("keeps a retry function as given", () => {
    const retry = (attempt: number) => attempt * 1_000;
    expect(new TaskRegistry().register("t", { run, retry }).retry).toBe(retry);
  });

  it("refuses a second task with the same name with DUPLICATE_TASK and keeps the first", () => {
    const registry = new TaskRegistry();
    const first = registry.register("send-email", { run });
    const error = expectInvalidInput(
      () => registry.register("send-email", { run: () => "other", maxAttempts: 9 }),
      ErrorCode.DuplicateTask,
    );
    expect(error.message).toContain('"send-email"');
    expect(registry.get("send-email")).toBe(first);
    expect(registry.all()).toHaveLength(1);
  });

  it.each([
    ["an empty name", ""],
    ["a space", "send email"],
    ["201 characters", "t".repeat(201)],
    ["a NUL", "a\0b"],
    ["a non-ASCII letter", "tâche"],
  ])("refuses a name with %s with INVALID_TASK_NAME", (_label, name) => {
    const registry = new TaskRegistry();
    expectInvalidInput(() => registry.register(name, { run }), ErrorCode.InvalidTaskName);
    expect(registry.all()).toEqual([]);
  });

  it("refuses a name that is not a string with INVALID_TASK_NAME", () => {
    expectInvalidInput(
      () => new TaskRegistry().register(7 as unknown as string, { run }),
      ErrorCode.InvalidTaskName,
    );
  });

  it("accepts every character the name rule allows, up to 200 of them", () => {
    const registry = new TaskRegistry();
    registry.register("billing.invoice:send/v2_final-A9", { run });
    registry.register("t".repeat(200), { run });
    expect(registry.all()).toHaveLength(2);
  });

  it.each<[string, string, unknown]>([
    ["a definition without run", "run", {}],
    ["a run that is not a function", "run", { run: "handler" }],
    ["maxAttempts 0", "maxAttempts", { run, maxAttempts: 0 }],
    ["a fractional maxAttempts", "maxAttempts", { run, maxAttempts: 1.5 }],
    ["an infinite maxAttempts", "maxAttempts", { run, maxAttempts: Number.POSITIVE_INFINITY }],
    ["a NaN maxAttempts", "maxAttempts", { run, maxAttempts: Number.NaN }],
    ["concurrency 0", "concurrency", { run, concurrency: 0 }],
    ["a negative concurrency", "concurrency", { run, concurrency: -1 }],
    ["a fractional concurrency", "concurrency", { run, concurrency: 2.5 }],
    ["a zero timeout", "timeout", { run, timeout: 0 }],
    ["a zero timeout string", "timeout", { run, timeout: "0s" }],
  ])("refuses %s with INVALID_OPTION naming the task and option", (_label, option, definition) => {
    const registry = new TaskRegistry();
    const error = expectInvalidInput(
      () => registry.register("report", untyped(definition as Record<string, unknown>)),
      ErrorCode.InvalidOption,
    );
    expect(error.details).toEqual({ task: "report", option });
    expect(error.message).toMatch(/^task "report": /);
    expect(registry.has("report")).toBe(false);
  });

  it("refuses a missing definition with INVALID_OPTION", () => {
    expectInvalidInput(
      () => new TaskRegistry().register("report", undefined as unknown as Definition),
      ErrorCode.InvalidOption,
    );
  });

  it.each(["-1s", "soon", -5])("refuses the timeout %j with INVALID_DURATION naming the task", (timeout) => {
    const error = expectInvalidInput(
      () => new TaskRegistry().register("report", { run, timeout }),
      ErrorCode.InvalidDuration,
    );
    expect(error.message).toContain("task report: timeout");
  });

  it("refuses an invalid retry policy with INVALID_OPTION", () => {
    expectInvalidInput(
      () => new TaskRegistry().register("report", untyped({ run, retry: { kind: "linear" } })),
      ErrorCode.InvalidOption,
    );
  });

  it("registers the name once its refused definition is fixed", () => {
    const registry = new TaskRegistry();
    expectInvalidInput(() => registry.register("report", { run, maxAttempts: 0 }), ErrorCode.InvalidOption);
    expect(registry.register("report", { run, maxAttempts: 1 }).maxAttempts).toBe(1);
  });
});
