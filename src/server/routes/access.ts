import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { actorOf } from "../auth-hook.js";
import { Limit, nextCursor, Text } from "../schemas.js";
import type { ServerDeps } from "../server-deps.js";

const TokenId = Type.String({ pattern: "^[a-z2-9]{12}$", description: "the token's public id" });

/** API tokens and the audit log: admins only. */
export function accessRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get(
    "/api/v1/whoami",
    {
      config: { role: "viewer" },
      schema: { tags: ["access"], summary: "The caller's token id, label and role" },
    },
    (request) => request.principal,
  );

  app.get(
    "/api/v1/tokens",
    { config: { role: "admin" }, schema: { tags: ["access"], summary: "API tokens (never their secrets)" } },
    async () => ({ items: await deps.tokens.list() }),
  );

  app.post(
    "/api/v1/tokens",
    {
      config: { role: "admin" },
      schema: {
        tags: ["access"],
        summary: "Create a token; the response is the only time its secret is shown",
        body: Type.Object(
          {
            label: Text(),
            role: Type.Union([Type.Literal("viewer"), Type.Literal("operator"), Type.Literal("admin")]),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const body = request.body as { label: string; role: string };
      const { token, record } = await deps.tokens.create({ ...body, actor: actorOf(request) });
      return reply.code(201).send({ ...record, token });
    },
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      config: { role: "admin" },
      schema: {
        tags: ["access"],
        summary: "Revoke a token (at once, on every node)",
        params: Type.Object({ id: TokenId }),
      },
    },
    async (request) => deps.tokens.revoke((request.params as { id: string }).id, actorOf(request)),
  );

  app.get(
    "/api/v1/audit",
    {
      config: { role: "admin" },
      schema: {
        tags: ["access"],
        summary: "Every change made through the API: who, what, when, before and after; newest first",
        querystring: Type.Object(
          {
            targetType: Type.Optional(Text(50)),
            targetId: Type.Optional(Text()),
            actor: Type.Optional(Text(300)),
            cursor: Type.Optional(Type.String({ pattern: "^[0-9]{1,18}$" })),
            limit: Limit,
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const q = request.query as {
        targetType?: string;
        targetId?: string;
        actor?: string;
        cursor?: string;
        limit: number;
      };
      const items = await deps.audit.listAudit({
        limit: q.limit,
        ...(q.targetType === undefined ? {} : { targetType: q.targetType }),
        ...(q.targetId === undefined ? {} : { targetId: q.targetId }),
        ...(q.actor === undefined ? {} : { actor: q.actor }),
        ...(q.cursor === undefined ? {} : { before: q.cursor }),
      });
      return { items, nextCursor: nextCursor(items, q.limit, (r) => r.id) };
    },
  );
}
