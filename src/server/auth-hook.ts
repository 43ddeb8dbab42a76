import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import { csrfTokenMatches, type SessionService } from "../auth/session-service.js";
import { actorName, type Principal, type TokenService } from "../auth/token-service.js";
import { ErrorCode, ForbiddenError, UnauthenticatedError } from "../domain/errors.js";
import { isRole, roleAllows, type Role } from "../domain/roles.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The least role a caller needs. Every route must say, unless it is `public`. */
    role?: Role;
    /** Served without credentials (`/healthz`, `/readyz`). */
    public?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Every route with the role it requires (or public), as registered: tests enumerate it. */
    routeTable: RouteAccess[];
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  role: Role | "public";
}

/** Routes a plugin registers (the OpenAPI viewer) that may be read by any signed-in role. */
const VIEWER_PREFIXES = ["/docs"];

/**
 * Requires a token on every route but the public ones, and the route's role. A route registered
 * without a role (and not public) fails at startup, so a new route cannot be left open.
 */
export function installAuth(app: FastifyInstance, tokens: TokenService, sessions: SessionService): void {
  app.decorateRequest("principal", null);
  const table: RouteAccess[] = [];
  app.decorate("routeTable", table);

  app.addHook("onRoute", (route: RouteOptions) => {
    const config = (route.config ?? {}) as { role?: Role; public?: boolean };
    if (config.public !== true && !isRole(config.role)) {
      if (!VIEWER_PREFIXES.some((prefix) => route.url === prefix || route.url.startsWith(`${prefix}/`))) {
        throw new Error(
          `route ${[route.method].flat().join(",")} ${route.url} declares neither a role nor public: true`,
        );
      }
      route.config = { ...config, role: "viewer" };
    }
    const role = config.public === true ? "public" : (route.config as { role: Role }).role;
    for (const method of [route.method].flat()) table.push({ method, url: route.url, role });
  });

  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config as { role?: Role; public?: boolean };
    if (config.public === true) return;
    const principal = (await fromBearer(request, tokens)) ?? (await fromSessionCookie(request, sessions));
    if (principal === null) {
      throw new UnauthenticatedError("sign in: send an API token as `Authorization: Bearer tf_…`", {
        code: ErrorCode.Unauthenticated,
      });
    }
    request.principal = principal;
    // An unknown route (404) has no role: any signed-in caller may learn it does not exist.
    const required = config.role ?? "viewer";
    requireRole(request, required);
  });
}

async function fromBearer(request: FastifyRequest, tokens: TokenService): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (typeof header !== "string") return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) return null;
  return tokens.authenticate(match[1] as string);
}

/** The dashboard's session cookie; a state-changing request must carry its CSRF token too. */
async function fromSessionCookie(
  request: FastifyRequest,
  sessions: SessionService,
): Promise<Principal | null> {
  const secret = sessionCookieOf(request);
  if (secret === null) return null;
  const session = await sessions.authenticate(secret);
  if (session === null) return null;
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    const origin = request.headers.origin;
    if (
      !csrfTokenMatches(typeof header === "string" ? header : undefined, session.csrfToken) ||
      (typeof origin === "string" && !sameOrigin(origin, request))
    ) {
      throw new ForbiddenError(
        `a change made with the dashboard's session needs its CSRF token in the ${CSRF_HEADER} header, from the same origin`,
        { code: ErrorCode.CsrfFailed },
      );
    }
  }
  return session.principal;
}

export const SESSION_COOKIE = "tf_session";
export const CSRF_HEADER = "x-csrf-token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The session secret from the request's cookies, or null. */
export function sessionCookieOf(request: FastifyRequest): string | null {
  const header = request.headers.cookie;
  if (typeof header !== "string") return null;
  for (const part of header.split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === SESSION_COOKIE) return value.join("=");
  }
  return null;
}

function sameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** Throws FORBIDDEN unless the caller's role allows `required`. */
export function requireRole(request: FastifyRequest, required: Role, what?: string): Principal {
  const principal = request.principal;
  if (principal === null) {
    throw new UnauthenticatedError("sign in first", { code: ErrorCode.Unauthenticated });
  }
  if (!roleAllows(principal.role, required)) {
    throw new ForbiddenError(
      `${what ?? "this operation"} needs the ${required} role; this token is ${principal.role}`,
      { code: ErrorCode.Forbidden, details: { required, role: principal.role } },
    );
  }
  return principal;
}

/** The caller's name for the audit log and schedule histories. */
export function actorOf(request: FastifyRequest): string {
  return request.principal === null ? "anonymous" : actorName(request.principal);
}
