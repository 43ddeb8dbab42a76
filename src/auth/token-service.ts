import { ErrorCode, InvalidInputError, NotFoundError } from "../domain/errors.js";
import { isRole, type Role } from "../domain/roles.js";
import type { AccessStore, ApiToken } from "../store/access-store.js";
import type { Clock } from "../time/clock.js";
import { generateToken, parseToken, secretMatches } from "./api-tokens.js";

/** Who made a request: the token's id, label and role. */
export interface Principal {
  tokenId: string;
  label: string;
  role: Role;
}

/** The name a principal has in the audit log and in schedule histories. */
export function actorName(principal: Principal): string {
  return `token:${principal.tokenId} (${principal.label})`;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what labels refuse
const LABEL = /^[^\u0000-\u001f\u007f]{1,200}$/;

/** Creates, checks, lists and revokes API tokens. */
export class TokenService {
  constructor(
    private readonly store: AccessStore,
    private readonly clock: Clock,
  ) {}

  /** Creates a token; the returned `token` is the only time its secret exists outside the caller. */
  async create(input: {
    label: string;
    role: string;
    actor: string;
  }): Promise<{ token: string; record: ApiToken }> {
    const label = typeof input.label === "string" ? input.label.trim() : input.label;
    if (typeof label !== "string" || !LABEL.test(label)) {
      throw new InvalidInputError("a token label must be 1-200 characters without control characters", {
        code: ErrorCode.InvalidOption,
        details: { option: "label" },
      });
    }
    if (!isRole(input.role)) {
      throw new InvalidInputError(
        `role must be viewer, operator or admin; got ${JSON.stringify(input.role)}`,
        { code: ErrorCode.InvalidOption, details: { option: "role" } },
      );
    }
    const generated = generateToken();
    const record = await this.store.createToken(
      {
        id: generated.id,
        label,
        role: input.role,
        secretSha256: generated.secretSha256,
        createdBy: input.actor,
      },
      this.clock.now(),
    );
    return { token: generated.token, record };
  }

  /**
   * On a store without any token, creates an admin token and returns it (to be printed once);
   * returns null when tokens exist already. Safe when several nodes start at once.
   */
  async bootstrapAdmin(actor: string): Promise<{ token: string; record: ApiToken } | null> {
    const generated = generateToken();
    const record = await this.store.createFirstToken(
      {
        id: generated.id,
        label: "initial admin token",
        role: "admin",
        secretSha256: generated.secretSha256,
        createdBy: actor,
      },
      this.clock.now(),
    );
    return record === null ? null : { token: generated.token, record };
  }

  /** The principal a presented token stands for, or null (malformed, unknown, wrong secret, revoked). */
  async authenticate(token: string): Promise<Principal | null> {
    const parsed = parseToken(token);
    if (parsed === null) return null;
    const stored = await this.store.findToken(parsed.id);
    // Compare even when the id is unknown, so the answer takes the same time either way.
    const matches = secretMatches(parsed.secret, stored?.secretSha256 ?? "0".repeat(64));
    if (stored === null || !matches || stored.revokedAt !== null) return null;
    void this.store.touchToken(stored.id, this.clock.now()).catch(() => undefined);
    return { tokenId: stored.id, label: stored.label, role: stored.role };
  }

  list(): Promise<ApiToken[]> {
    return this.store.listTokens();
  }

  async revoke(id: string, actor: string): Promise<ApiToken> {
    const revoked = await this.store.revokeToken(id, this.clock.now(), actor);
    if (revoked === null) {
      throw new NotFoundError(`there is no token ${JSON.stringify(id)}`, {
        code: ErrorCode.TokenNotFound,
        details: { token: id },
      });
    }
    return revoked;
  }
}
