import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ErrorCode,
  InvalidInputError,
  JobCancelledError,
  JobTimeoutError,
  LeaseLostError,
  NotFoundError,
  PermanentError,
  RetryAfterError,
  TaskFlowError,
  WorkerShutdownError,
} from "../../src/domain/errors.js";
import { CliErrorCode } from "../../src/cli/exit-codes.js";
import { ChannelErrorCode } from "../../src/alerts/channels/channel-errors.js";
import { expectInvalidInput } from "./thrown-error.js";

describe("TaskFlowError", () => {
  it("carries its code, its subclass's name and empty details by default", () => {
    const error = new NotFoundError("job 7 does not exist", { code: ErrorCode.JobNotFound });
    expect(error).toBeInstanceOf(TaskFlowError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("NotFoundError");
    expect(error.code).toBe("JOB_NOT_FOUND");
    expect(error.message).toBe("job 7 does not exist");
    expect(error.details).toEqual({});
    expect("cause" in error).toBe(false);
  });

  it("keeps the cause and the details it was given", () => {
    const cause = new Error("connection refused");
    const error = new InvalidInputError("bad", {
      code: ErrorCode.InvalidOption,
      cause,
      details: { option: "queue" },
    });
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ option: "queue" });
  });

  it("uses codes that are distinct upper-case identifiers", () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[A-Z][A-Z_]*$/);
  });
});

describe("the errors a handler throws or meets", () => {
  it("PermanentError has code PERMANENT_FAILURE and keeps its cause", () => {
    const cause = new Error("404");
    const error = new PermanentError("the customer was deleted", { cause });
    expect(error.code).toBe(ErrorCode.PermanentFailure);
    expect(error.name).toBe("PermanentError");
    expect(error.cause).toBe(cause);
  });

  it("RetryAfterError carries its delay and a default message", () => {
    const error = new RetryAfterError(1_500);
    expect(error.code).toBe(ErrorCode.RetryAfter);
    expect(error.delayMs).toBe(1_500);
    expect(error.message).toBe("retry requested in 1500 ms");
    expect(new RetryAfterError(0, "rate limited").message).toBe("rate limited");
  });

  it.each([
    ["negative", -1],
    ["NaN", Number.NaN],
    ["infinite", Number.POSITIVE_INFINITY],
  ])("RetryAfterError refuses a %s delay with INVALID_DURATION", (_label, delay) => {
    expectInvalidInput(() => new RetryAfterError(delay), ErrorCode.InvalidDuration);
  });

  it("JobTimeoutError names the timeout in its message and details", () => {
    const error = new JobTimeoutError(30_000);
    expect(error.code).toBe(ErrorCode.JobTimeout);
    expect(error.message).toContain("30000 ms");
    expect(error.details).toEqual({ timeoutMs: 30_000 });
  });

  it("LeaseLostError names the job and attempt", () => {
    const error = new LeaseLostError("42", 3);
    expect(error.code).toBe(ErrorCode.LeaseLost);
    expect(error.message).toContain("job 42 attempt 3");
    expect(error.details).toEqual({ jobId: "42", attempt: 3 });
  });

  it("cancellation and shutdown reasons have their own codes", () => {
    expect(new JobCancelledError().code).toBe(ErrorCode.JobCancelled);
    expect(new WorkerShutdownError().code).toBe(ErrorCode.WorkerShutdown);
  });
});

describe("the error catalogue", () => {
  const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  /** The codes a table of docs/errors.md lists: the first cell of each row. */
  const documented = [...doc.matchAll(/^\| `([A-Z][A-Z_]*)` /gm)].map((match) => match[1]);

  it("documents every code in docs/errors.md", () => {
    const codes = [
      ...Object.values(ErrorCode),
      ...Object.values(CliErrorCode),
      ...Object.values(ChannelErrorCode),
    ];
    const missing = codes.filter((code) => !documented.includes(code));
    expect(missing).toEqual([]);
  });

  it("documents each alert channel code once, in its own table", () => {
    const channelCodes: string[] = Object.values(ChannelErrorCode);
    const listed = documented.filter((code) => code!.startsWith("CHANNEL_"));
    expect(listed.sort()).toEqual([...channelCodes].sort());
    const section = doc.slice(doc.indexOf("## Alert channel delivery codes"));
    for (const code of channelCodes) expect(section).toContain(`| \`${code}\``);
  });
});
