import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../server-deps.js";

/** The tasks' circuit breakers, shared by every node: which are open, since when, until when. */
export function circuitBreakerRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;

  app.get(
    "/api/v1/circuit-breakers",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["jobs"],
        summary: "Every circuit breaker, open ones first: state, failures in a row, probe time, last error",
      },
    },
    async () => ({ items: await tf.circuitBreakers() }),
  );
}
