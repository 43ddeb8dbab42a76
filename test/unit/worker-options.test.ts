import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.js";
import { resolveWorkerOptions, type WorkerOptions } from "../../src/worker/worker-options.js";
import { expectInvalidInput } from "./thrown-error.js";

const untyped = (options: Record<string, unknown>) => options as WorkerOptions;

describe("resolveWorkerOptions", () => {
  it("fills in the documented defaults", () => {
    const resolved = resolveWorkerOptions();
    expect(resolved).toEqual({
      workerId: expect.any(String) as string,
      concurrency: 10,
      prefetch: "auto",
      leaseMs: 30_000,
      pollIntervalMs: 1_000,
      drainTimeoutMs: 10_000,
      reapIntervalMs: 5_000,
      queues: null,
      random: Math.random,
    });
    expect(resolveWorkerOptions({})).toEqual({ ...resolved, workerId: expect.any(String) as string });
  });

  it("names the worker after its host and process, with a random suffix", () => {
    const { workerId } = resolveWorkerOptions();
    const prefix = `${hostname()}:${process.pid}:`;
    expect(workerId.startsWith(prefix)).toBe(true);
    expect(workerId.slice(prefix.length)).toMatch(/^[0-9a-f]{6}$/);
  });

  it("gives two workers in one process different ids", () => {
    expect(resolveWorkerOptions().workerId).not.toBe(resolveWorkerOptions().workerId);
  });

  it("keeps every option it is given, durations in milliseconds", () => {
    expect(
      resolveWorkerOptions({
        workerId: "node-a",
        concurrency: 4,
        leaseDuration: "1m",
        pollInterval: 250,
        drainTimeout: "30s",
        reapInterval: "10s",
        queues: ["emails", "reports"],
      }),
    ).toMatchObject({
      workerId: "node-a",
      concurrency: 4,
      leaseMs: 60_000,
      pollIntervalMs: 250,
      drainTimeoutMs: 30_000,
      reapIntervalMs: 10_000,
      queues: ["emails", "reports"],
    });
  });

  it("accepts the smallest allowed values", () => {
    expect(
      resolveWorkerOptions({ concurrency: 1, leaseDuration: "1s", pollInterval: "10ms", drainTimeout: 0 }),
    ).toMatchObject({ concurrency: 1, leaseMs: 1_000, pollIntervalMs: 10, drainTimeoutMs: 0 });
    expect(resolveWorkerOptions({ concurrency: 10_000 }).concurrency).toBe(10_000);
  });

  it("raises a reap interval below 100 ms to 100 ms", () => {
    expect(resolveWorkerOptions({ reapInterval: 0 }).reapIntervalMs).toBe(100);
    expect(resolveWorkerOptions({ reapInterval: "20ms" }).reapIntervalMs).toBe(100);
  });

  it.each<[string, string, Record<string, unknown>]>([
    ["concurrency 0", "worker.concurrency", { concurrency: 0 }],
    ["concurrency above 10000", "worker.concurrency", { concurrency: 10_001 }],
    ["a fractional concurrency", "worker.concurrency", { concurrency: 1.5 }],
    ["a NaN concurrency", "worker.concurrency", { concurrency: Number.NaN }],
    ["a lease under 1s", "worker.leaseDuration", { leaseDuration: "999ms" }],
    ["a poll interval under 10ms", "worker.pollInterval", { pollInterval: 9 }],
    ["an empty queue list", "worker.queues", { queues: [] }],
    ["an empty queue name", "worker.queues", { queues: ["emails", ""] }],
    ["a queue that is not a string", "worker.queues", { queues: [1] }],
    ["queues given as a string", "worker.queues", { queues: "emails" }],
  ])("refuses %s with INVALID_OPTION naming it", (_label, option, options) => {
    const error = expectInvalidInput(() => resolveWorkerOptions(untyped(options)), ErrorCode.InvalidOption);
    expect(error.details).toEqual({ option });
    expect(error.message).toContain(option);
  });

  it.each<[string, Record<string, unknown>]>([
    ["worker.leaseDuration", { leaseDuration: "soon" }],
    ["worker.pollInterval", { pollInterval: -1 }],
    ["worker.drainTimeout", { drainTimeout: "-10s" }],
    ["worker.reapInterval", { reapInterval: "5 s" }],
  ])("refuses a malformed %s with INVALID_DURATION naming it", (option, options) => {
    const error = expectInvalidInput(() => resolveWorkerOptions(untyped(options)), ErrorCode.InvalidDuration);
    expect(error.details).toEqual({ option });
    expect(error.message).toContain(option);
  });
});

describe("resolveWorkerOptions prefetch", () => {
  it("sizes the prefetch automatically unless fixed, and accepts 0 to turn it off", () => {
    expect(resolveWorkerOptions({ concurrency: 25 }).prefetch).toBe("auto");
    expect(resolveWorkerOptions({ prefetch: 25 }).prefetch).toBe(25);
    expect(resolveWorkerOptions({ prefetch: 0 }).prefetch).toBe(0);
  });

  it("refuses a negative or fractional prefetch with INVALID_OPTION", () => {
    for (const prefetch of [-1, 1.5, 20_000]) {
      expect(() => resolveWorkerOptions({ prefetch })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTION" }) as Error,
      );
    }
  });
});
