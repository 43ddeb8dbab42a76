import { expect } from "vitest";
import { InvalidInputError, type ErrorCode } from "../../src/domain/errors.js";

/** The value `fn` throws; fails the test when it returns instead. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw, but it returned");
}

/** Asserts that `fn` throws an InvalidInputError with `code`, and returns it for further checks. */
export function expectInvalidInput(fn: () => unknown, code: ErrorCode): InvalidInputError {
  const error = thrownBy(fn);
  expect(error).toBeInstanceOf(InvalidInputError);
  expect((error as InvalidInputError).code).toBe(code);
  return error as InvalidInputError;
}
