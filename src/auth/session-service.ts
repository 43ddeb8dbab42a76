import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AccessStore } from "../store/access-store.js";
import type { Clock } from "../time/clock.js";
import type { Principal, TokenService } from "./token-service.js";

/** How long a dashboard session lasts. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export interface OpenedSession {
  /** The cookie's value: the session's secret (only its hash is stored). */
  secret: string;
  csrfToken: string;
  principal: Principal;
  expiresAt: Date;
}

export interface LiveSession {
  principal: Principal;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Dashboard sessions: an API token is exchanged for a random session secret carried in an
 * `HttpOnly; SameSite=Strict` cookie. State-changing requests made with the cookie must also
 * send the session's CSRF token, derived from the secret (HMAC), so it needs no storage and a
 * page from another origin cannot know it.
 */
export class SessionService {
  constructor(
    private readonly store: AccessStore,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
  ) {}

  /** Opens a session for a valid token; null when the token is not valid. */
  async signIn(token: string): Promise<OpenedSession | null> {
    const principal = await this.tokens.authenticate(token);
    if (principal === null) return null;
    const secret = randomBytes(32).toString("base64url");
    const now = this.clock.now();
    const expiresAt = now + SESSION_TTL_MS;
    await this.store.createSession(sha256(secret), principal.tokenId, now, expiresAt);
    return { secret, csrfToken: csrfTokenOf(secret), principal, expiresAt: new Date(expiresAt) };
  }

  /** The live session a cookie's secret stands for, or null. */
  async authenticate(secret: string): Promise<LiveSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return null;
    const session = await this.store.findSession(sha256(secret), this.clock.now());
    if (session === null) return null;
    return {
      principal: { tokenId: session.tokenId, label: session.label, role: session.role },
      csrfToken: csrfTokenOf(secret),
      expiresAt: session.expiresAt,
    };
  }

  async signOut(secret: string): Promise<void> {
    await this.store.deleteSession(sha256(secret));
  }
}

/** Whether a presented CSRF token is the session's (constant time). */
export function csrfTokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function csrfTokenOf(secret: string): string {
  return createHmac("sha256", secret).update("taskflow csrf").digest("base64url");
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
