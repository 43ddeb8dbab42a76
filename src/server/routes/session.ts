import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { SESSION_TTL_MS } from "../../auth/session-service.js";
import { actorName } from "../../auth/token-service.js";
import { ErrorCode, UnauthenticatedError } from "../../domain/errors.js";
import { SESSION_COOKIE, sessionCookieOf } from "../auth-hook.js";
import type { ServerDeps } from "../server-deps.js";

/** Dashboard sign-in: an API token exchanged for a session cookie and a CSRF token. */
export function sessionRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.post(
    "/api/v1/session",
    {
      config: { public: true },
      schema: {
        tags: ["access"],
        summary: "Sign in with an API token: sets an HttpOnly session cookie, returns the CSRF token",
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { token } = request.body as { token: string };
      const session = await deps.sessions.signIn(token);
      if (session === null) {
        throw new UnauthenticatedError("this token is not valid (unknown, revoked or mistyped)", {
          code: ErrorCode.Unauthenticated,
        });
      }
      await deps.audit.appendAudit(
        {
          actor: actorName(session.principal),
          action: "session.create",
          targetType: "session",
          targetId: session.principal.tokenId,
          before: null,
          after: { expiresAt: session.expiresAt },
        },
        deps.tf.clock.now(),
      );
      setSessionCookie(request, reply, session.secret, SESSION_TTL_MS / 1000);
      return reply.code(201).send({
        principal: session.principal,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      });
    },
  );

  app.get(
    "/api/v1/session",
    {
      config: { role: "viewer" },
      schema: { tags: ["access"], summary: "Who is signed in, and the session's CSRF token" },
    },
    async (request) => {
      const secret = sessionCookieOf(request);
      const session = secret === null ? null : await deps.sessions.authenticate(secret);
      return {
        principal: request.principal,
        csrfToken: session?.csrfToken ?? null,
        expiresAt: session?.expiresAt ?? null,
      };
    },
  );

  app.delete(
    "/api/v1/session",
    { config: { role: "viewer" }, schema: { tags: ["access"], summary: "Sign out" } },
    async (request, reply) => {
      const secret = sessionCookieOf(request);
      if (secret !== null) await deps.sessions.signOut(secret);
      setSessionCookie(request, reply, "", 0);
      return reply.code(204).send();
    },
  );
}

function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  value: string,
  maxAgeSeconds: number,
): void {
  const secure = request.protocol === "https" ? "; Secure" : "";
  reply.header(
    "set-cookie",
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeSeconds)}${secure}`,
  );
}
