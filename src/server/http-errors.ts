import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import {
  ErrorCode,
  ForbiddenError,
  InvalidInputError,
  InvalidStateError,
  NotFoundError,
  StoreError,
  TaskFlowError,
  UnauthenticatedError,
} from "../domain/errors.js";

/** The one error format of the API. `code` is stable (docs/errors.md); `message` is for people. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    details: Record<string, unknown>;
    requestId: string;
  };
}

function statusOf(error: TaskFlowError): number {
  if (error instanceof UnauthenticatedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof InvalidStateError) return 409;
  if (error instanceof InvalidInputError) return 400;
  if (error instanceof StoreError) return 503;
  return 500;
}

/** Fastify's own errors (validation, body size, media type, JSON syntax) in our format. */
function fromFastify(error: FastifyError): {
  status: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
} {
  const status = error.statusCode ?? 500;
  if (error.validation !== undefined) {
    const first = error.validation[0];
    const where = `${error.validationContext ?? "request"}${first?.instancePath ?? ""}`;
    return {
      status: 400,
      code: ErrorCode.InvalidRequest,
      message: `${where} ${first?.message ?? "is invalid"}`.replace(/\s+/g, " "),
      details: {
        part: error.validationContext ?? null,
        problems: error.validation.map((v) => ({ path: v.instancePath, message: v.message ?? "" })),
      },
    };
  }
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE" || status === 413) {
    return {
      status: 413,
      code: ErrorCode.BodyTooLarge,
      message: "the request body is too large",
      details: {},
    };
  }
  if (status >= 400 && status < 500) {
    return {
      status,
      code: ErrorCode.InvalidRequest,
      message: error.message,
      details: { reason: error.code },
    };
  }
  return { status: 500, code: ErrorCode.Internal, message: "internal error", details: {} };
}

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): FastifyReply {
  const body: ApiErrorBody = { error: { code, message, details, requestId: String(request.id) } };
  return reply.code(status).type("application/json; charset=utf-8").send(body);
}

/** The app's error handler: every error leaves as `ApiErrorBody`; a 5xx never shows internals. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof TaskFlowError) {
    const status = statusOf(error);
    if (status >= 500) request.log.error({ err: error }, "request failed");
    const message = status === 500 ? "internal error" : error.message;
    return sendError(
      reply,
      request,
      status,
      status === 500 ? ErrorCode.Internal : error.code,
      message,
      status === 500 ? {} : error.details,
    );
  }
  const mapped = fromFastify(error as FastifyError);
  if (mapped.status >= 500) request.log.error({ err: error }, "request failed");
  return sendError(reply, request, mapped.status, mapped.code, mapped.message, mapped.details);
}
