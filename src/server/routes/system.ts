import type { FastifyInstance } from "fastify";
import { ErrorCode, TaskFlowError } from "../../domain/errors.js";
import type { ServerDeps } from "../server-deps.js";

/** Health, readiness, the cluster's nodes and tasks, and the reserved metrics route. */
export function systemRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;

  app.get(
    "/healthz",
    {
      config: { public: true },
      schema: { tags: ["system"], summary: "The process is up (no database check)" },
    },
    () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    { config: { public: true }, schema: { tags: ["system"], summary: "The node can reach its database" } },
    async (_request, reply) => {
      try {
        await tf.store.readTime();
        return { status: "ready" };
      } catch {
        return reply.code(503).send({ status: "unavailable", reason: "the database cannot be reached" });
      }
    },
  );

  app.get(
    "/metrics",
    { config: { role: "viewer" }, schema: { tags: ["system"], summary: "Reserved for Prometheus metrics" } },
    () => {
      throw new TaskFlowError("metrics are not served yet: this route is reserved for Prometheus metrics", {
        code: ErrorCode.NotImplemented,
      });
    },
  );

  app.get(
    "/api/v1/nodes",
    {
      config: { role: "viewer" },
      schema: { tags: ["system"], summary: "Live nodes and the maintenance lease holder" },
    },
    async () => ({
      items: await tf.listNodes(),
      maintenanceLeaseHolder: await tf.maintenanceLeaseHolder(),
    }),
  );

  app.get(
    "/api/v1/tasks",
    {
      config: { role: "viewer" },
      schema: { tags: ["system"], summary: "The tasks this node runs, and how" },
    },
    () => ({
      items: tf.taskNames.sort().map((name) => ({ name, kind: deps.taskKinds.get(name) ?? "code" })),
    }),
  );
}
