import type { Role } from "../domain/roles.js";

/** An API token as listed: never its secret (only the secret's hash is stored at all). */
export interface ApiToken {
  /** The public part of the token (`tf_<id>_…`), safe to show and log. */
  id: string;
  label: string;
  role: Role;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export interface StoredApiToken extends ApiToken {
  /** Hex SHA-256 of the token's secret part. */
  secretSha256: string;
}

export interface NewApiToken {
  id: string;
  label: string;
  role: Role;
  secretSha256: string;
  createdBy: string;
}

/** One change made through the API or the CLI. */
export interface AuditEntry {
  actor: string;
  /** `schedule.create`, `job.cancel`, `token.revoke`… */
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: Date;
}

export interface AuditFilter {
  targetType?: string;
  targetId?: string;
  actor?: string;
  /** Records with an id lower than this one (the cursor of the previous page). */
  before?: string;
  /** @defaultValue 100 */
  limit?: number;
}

/** A live dashboard session, with the token it was opened with. */
export interface StoredSession {
  tokenId: string;
  label: string;
  role: Role;
  expiresAt: Date;
}

/** API tokens and the audit log: the part of the Store port the service's access control uses. */
export interface AccessStore {
  /** Inserts the token and its audit record in one transaction. */
  createToken(token: NewApiToken, now: number): Promise<ApiToken>;
  /**
   * Creates the token only if no token exists yet (serialized across nodes), with its audit
   * record; returns null when there already was one. The service's first start uses it.
   */
  createFirstToken(token: NewApiToken, now: number): Promise<ApiToken | null>;
  findToken(id: string): Promise<StoredApiToken | null>;
  listTokens(): Promise<ApiToken[]>;
  /** Revokes (idempotently) with its audit record; null when there is no such token. */
  revokeToken(id: string, now: number, actor: string): Promise<ApiToken | null>;
  /** Records a use; at most one write per token and minute. */
  touchToken(id: string, now: number): Promise<void>;
  appendAudit(entry: AuditEntry, now: number): Promise<void>;
  /** Stores a session by the hash of its secret (and deletes expired ones). */
  createSession(idSha256: string, tokenId: string, now: number, expiresAt: number): Promise<void>;
  /** The session if it is live: not expired, not signed out, its token not revoked. */
  findSession(idSha256: string, now: number): Promise<StoredSession | null>;
  deleteSession(idSha256: string): Promise<void>;
  listAudit(filter: AuditFilter): Promise<AuditRecord[]>;
}
