import { ErrorCode, TaskFlowError } from "../domain/errors.js";

/** Exit codes scripts can rely on (docs/cli.md). */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  InvalidInput: 2,
  DatabaseUnavailable: 3,
} as const;

/** Prints an error for a person (with its stable code) and returns the exit code it maps to. */
export function reportError(error: unknown): number {
  if (error instanceof TaskFlowError) {
    console.error(`error ${error.code}: ${error.message}`);
    if (error.code === ErrorCode.DatabaseUnavailable || error.code === ErrorCode.MigrationFailed)
      return ExitCode.DatabaseUnavailable;
    if (
      error.name === "InvalidInputError" ||
      error.name === "NotFoundError" ||
      error.name === "InvalidStateError"
    )
      return ExitCode.InvalidInput;
    return ExitCode.Failure;
  }
  console.error(`error: ${(error as Error)?.stack ?? String(error)}`);
  return ExitCode.Failure;
}
