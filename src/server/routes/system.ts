import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../server-deps.js";

/** Health, readiness, Prometheus metrics, the cluster's nodes and tasks. */
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
    {
      config: { role: "viewer" },
      schema: {
        tags: ["system"],
        summary:
          "Prometheus metrics of this node and of the cluster (text exposition format, docs/metrics.md)",
      },
    },
    async (_request, reply) => {
      const registry = tf.metrics;
      const text = await registry.metrics();
      return reply.header("cache-control", "no-store").type(registry.contentType).send(text);
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
