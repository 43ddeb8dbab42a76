import { ErrorCode, ForbiddenError, TaskFlowError, UnauthenticatedError } from "../domain/errors.js";

/** Exit codes scripts can rely on (docs/cli.md). */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  InvalidInput: 2,
  DatabaseUnavailable: 3,
  /** The service refused the credentials (401) or the role is too low (403). */
  NotAllowed: 4,
  /** No TaskFlow service answers at the URL (connection refused, DNS, timeout). */
  ServiceUnreachable: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Codes the CLI itself raises (the API's own codes are in docs/errors.md). */
export const CliErrorCode = {
  ServiceUnreachable: "SERVICE_UNREACHABLE",
  UnexpectedResponse: "UNEXPECTED_RESPONSE",
  ConfirmationRequired: "CONFIRMATION_REQUIRED",
} as const;

/**
 * An error met by a CLI command: from the REST API (its `code`, message and details as sent) or
 * from the CLI itself. It carries the exit code it maps to.
 */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

/** Prints an error for a person (with its stable code) and returns the exit code it maps to. */
export function reportError(error: unknown): number {
  if (error instanceof CliError) {
    console.error(`error ${error.code}: ${error.message}`);
    return error.exitCode;
  }
  if (error instanceof TaskFlowError) {
    console.error(`error ${error.code}: ${error.message}`);
    if (error.code === ErrorCode.DatabaseUnavailable || error.code === ErrorCode.MigrationFailed)
      return ExitCode.DatabaseUnavailable;
    if (error instanceof UnauthenticatedError || error instanceof ForbiddenError) return ExitCode.NotAllowed;
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
