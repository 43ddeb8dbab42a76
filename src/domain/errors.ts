/**
 * Every error a user can meet carries a stable `code` (listed in docs/errors.md), a message a
 * person understands, and the original `cause` when there is one.
 */
export const ErrorCode = {
  InvalidDuration: "INVALID_DURATION",
  InvalidOption: "INVALID_OPTION",
  InvalidPayload: "INVALID_PAYLOAD",
  InvalidTaskName: "INVALID_TASK_NAME",
  UnknownTask: "UNKNOWN_TASK",
  DuplicateTask: "DUPLICATE_TASK",
  JobNotFound: "JOB_NOT_FOUND",
  InvalidJobState: "INVALID_JOB_STATE",
  JobTimeout: "JOB_TIMEOUT",
  JobCancelled: "JOB_CANCELLED",
  LeaseLost: "LEASE_LOST",
  LeaseExpired: "LEASE_EXPIRED",
  WorkerShutdown: "WORKER_SHUTDOWN",
  PermanentFailure: "PERMANENT_FAILURE",
  RetryAfter: "RETRY_AFTER",
  HandlerFailed: "HANDLER_FAILED",
  InvalidCron: "INVALID_CRON",
  InvalidTimezone: "INVALID_TIMEZONE",
  ScheduleNeverFires: "SCHEDULE_NEVER_FIRES",
  InvalidSchedule: "INVALID_SCHEDULE",
  ScheduleNotFound: "SCHEDULE_NOT_FOUND",
  InvalidDatabaseUrl: "INVALID_DATABASE_URL",
  DatabaseUnavailable: "DATABASE_UNAVAILABLE",
  MigrationFailed: "MIGRATION_FAILED",
  Closed: "CLOSED",
  // Executors (shell and HTTP jobs)
  ShellDisabled: "SHELL_DISABLED",
  ShellFailed: "SHELL_FAILED",
  HttpTargetForbidden: "HTTP_TARGET_FORBIDDEN",
  HttpUnexpectedStatus: "HTTP_UNEXPECTED_STATUS",
  HttpTimeout: "HTTP_TIMEOUT",
  HttpFailed: "HTTP_FAILED",
  // Configuration (taskflow.yaml)
  ConfigNotFound: "CONFIG_NOT_FOUND",
  ConfigInvalid: "CONFIG_INVALID",
  EnvVariableMissing: "ENV_VARIABLE_MISSING",
  // REST API and auth
  Unauthenticated: "UNAUTHENTICATED",
  Forbidden: "FORBIDDEN",
  InvalidRequest: "INVALID_REQUEST",
  BodyTooLarge: "BODY_TOO_LARGE",
  RouteNotFound: "ROUTE_NOT_FOUND",
  TokenNotFound: "TOKEN_NOT_FOUND",
  ScheduleOwnedElsewhere: "SCHEDULE_OWNED_ELSEWHERE",
  CsrfFailed: "CSRF_FAILED",
  Internal: "INTERNAL",
  // Durable steps and idempotency (ctx.step, tf.once)
  DuplicateStep: "DUPLICATE_STEP",
  InvalidStepName: "INVALID_STEP_NAME",
  OnceBusy: "ONCE_BUSY",
  InvalidSaga: "INVALID_SAGA",
  // Dependencies between jobs and flows
  DependencyNotFound: "DEPENDENCY_NOT_FOUND",
  DependencyFailed: "DEPENDENCY_FAILED",
  DependencySkipped: "DEPENDENCY_SKIPPED",
  InvalidFlow: "INVALID_FLOW",
  FlowCycle: "FLOW_CYCLE",
  // Alerting
  AlertNotFound: "ALERT_NOT_FOUND",
  SilenceNotFound: "SILENCE_NOT_FOUND",
  AlertChannelNotFound: "ALERT_CHANNEL_NOT_FOUND",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface TaskFlowErrorOptions {
  code: ErrorCode;
  cause?: unknown;
  /** Machine-readable facts about the error (field name, value…), safe to log. */
  details?: Record<string, unknown>;
}

export class TaskFlowError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: TaskFlowErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.details = options.details ?? {};
  }
}

/** Bad input from a caller: nothing was written. */
export class InvalidInputError extends TaskFlowError {}

/** The job or task named does not exist. */
export class NotFoundError extends TaskFlowError {}

/** The operation does not apply to the job in its current state. */
export class InvalidStateError extends TaskFlowError {}

/** A request without valid credentials (no token, an unknown or revoked one). */
export class UnauthenticatedError extends TaskFlowError {}

/** A request whose credentials do not allow the operation. */
export class ForbiddenError extends TaskFlowError {}

/** The store could not be reached or refused the operation. */
export class StoreError extends TaskFlowError {}

/**
 * Thrown by a handler to say "retrying will not help": the job goes straight to `dead`.
 */
export class PermanentError extends TaskFlowError {
  constructor(
    message: string,
    options: { cause?: unknown; code?: ErrorCode; details?: Record<string, unknown> } = {},
  ) {
    super(message, { ...options, code: options.code ?? ErrorCode.PermanentFailure });
  }
}

/** Thrown by a handler to retry after a given delay instead of the retry policy's. */
export class RetryAfterError extends TaskFlowError {
  readonly delayMs: number;

  constructor(
    delayMs: number,
    message = `retry requested in ${delayMs} ms`,
    options: { cause?: unknown } = {},
  ) {
    if (!Number.isFinite(delayMs) || delayMs < 0) {
      throw new InvalidInputError(`RetryAfterError needs a delay >= 0 ms, got ${String(delayMs)}`, {
        code: ErrorCode.InvalidDuration,
      });
    }
    super(message, { code: ErrorCode.RetryAfter, ...options });
    this.delayMs = delayMs;
  }
}

/** The reason a handler's AbortSignal fired because its attempt ran out of time. */
export class JobTimeoutError extends TaskFlowError {
  constructor(timeoutMs: number) {
    super(`the attempt did not finish within its timeout of ${timeoutMs} ms`, {
      code: ErrorCode.JobTimeout,
      details: { timeoutMs },
    });
  }
}

/** The reason a handler's AbortSignal fired because someone cancelled the job. */
export class JobCancelledError extends TaskFlowError {
  constructor() {
    super("the job was cancelled", { code: ErrorCode.JobCancelled });
  }
}

/**
 * The worker no longer holds the job (its lease expired and the job was reclaimed, or it was
 * released): whatever it writes about the job is refused.
 */
export class LeaseLostError extends TaskFlowError {
  constructor(jobId: string, attempt: number) {
    super(`job ${jobId} attempt ${attempt} is no longer held by this worker; its writes are refused`, {
      code: ErrorCode.LeaseLost,
      details: { jobId, attempt },
    });
  }
}

/** The reason a handler's AbortSignal fired because the worker is shutting down. */
export class WorkerShutdownError extends TaskFlowError {
  constructor() {
    super("the worker is shutting down; the job is released to another worker", {
      code: ErrorCode.WorkerShutdown,
    });
  }
}
