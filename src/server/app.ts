import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { ErrorCode } from "../domain/errors.js";
import { installAuth } from "./auth-hook.js";
import { handleError, sendError } from "./http-errors.js";
import { accessRoutes } from "./routes/access.js";
import { alertRoutes } from "./routes/alerts.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { overviewRoutes } from "./routes/overview.js";
import { sessionRoutes } from "./routes/session.js";
import { installSecurityHeaders } from "./security-headers.js";
import { circuitBreakerRoutes } from "./routes/circuit-breakers.js";
import { flowRoutes } from "./routes/flows.js";
import { jobRoutes } from "./routes/jobs.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { systemRoutes } from "./routes/system.js";
import type { ServerDeps } from "./server-deps.js";

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The REST API as a Fastify instance, not listening: `app.inject()` in tests, `app.listen()` in
 * `taskflow start`. OpenAPI at `/docs`. Every route needs a token but `/healthz` and `/readyz`.
 */
export async function buildApp(deps: ServerDeps): Promise<FastifyInstance> {
  // Request types come from the TypeBox schemas through Ajv at run time; handlers read them as
  // the schema's shape. (Fastify's pino typing differs from pino's own, hence the cast.)
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger.child({ component: "api" }) as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    trustProxy: deps.trustProxy ?? false,
    // Unknown fields are errors (a typo must not be silently dropped); one query value may stand
    // for a one-element array (`?tag=a`).
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true } },
    return503OnClosing: true,
  });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      request,
      404,
      ErrorCode.RouteNotFound,
      `no route ${request.method} ${request.url.split("?")[0]}`,
    ),
  );
  installAuth(app, deps.tokens, deps.sessions);
  installSecurityHeaders(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: "TaskFlow API",
        version: deps.version,
        description:
          "Schedules, jobs, dead letters, alerts, tokens and the audit log of a TaskFlow cluster. Send `Authorization: Bearer <token>`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });

  systemRoutes(app, deps);
  scheduleRoutes(app, deps);
  jobRoutes(app, deps);
  flowRoutes(app, deps);
  circuitBreakerRoutes(app, deps);
  alertRoutes(app, deps);
  accessRoutes(app, deps);
  sessionRoutes(app, deps);
  overviewRoutes(app, deps);
  dashboardRoutes(app, deps);
  await app.ready();
  return app;
}
