import type { Role } from "../../domain/roles.js";
import type {
  AccessStore,
  ApiToken,
  AuditEntry,
  AuditFilter,
  AuditRecord,
  NewApiToken,
  StoredApiToken,
  StoredSession,
} from "../access-store.js";
import type { SqlClient } from "../../domain/task.js";
import { isJobId } from "./job-id.js";
import type { SqlDriver } from "./drivers/driver.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  insertToken: loadQuery("insert_api_token"),
  lockTokens: loadQuery("lock_api_tokens"),
  getToken: loadQuery("get_api_token"),
  listTokens: loadQuery("list_api_tokens"),
  revokeToken: loadQuery("revoke_api_token"),
  touchToken: loadQuery("touch_api_token"),
  insertAudit: loadQuery("insert_audit"),
  insertSession: loadQuery("insert_session"),
  getSession: loadQuery("get_session"),
  deleteSession: loadQuery("delete_session"),
  listAudit: loadQuery("list_audit"),
};

const ts = (ms: number) => new Date(ms);
const date = (value: Date | string) => (value instanceof Date ? value : new Date(value));
const dateOrNull = (value: Date | string | null) => (value === null ? null : date(value));

interface TokenRow {
  id: string;
  label: string;
  role: Role;
  secret_sha256: string;
  created_at: Date | string;
  created_by: string;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
  revoked_by: string | null;
}

interface AuditRow {
  id: string | number;
  at: Date | string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  before: unknown;
  after: unknown;
}

function toStoredToken(row: TokenRow): StoredApiToken {
  return {
    id: row.id,
    label: row.label,
    role: row.role,
    secretSha256: row.secret_sha256,
    createdAt: date(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: dateOrNull(row.last_used_at),
    revokedAt: dateOrNull(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

function toToken(row: TokenRow): ApiToken {
  const { secretSha256: _secret, ...token } = toStoredToken(row);
  return token;
}

/** The AccessStore on PostgreSQL: API tokens (hashes only) and the audit log. */
export class PostgresAccessStore implements AccessStore {
  constructor(private readonly driver: SqlDriver) {}

  async createToken(token: NewApiToken, now: number): Promise<ApiToken> {
    return this.driver.transaction((tx) => this.#insertToken(tx, token, now));
  }

  async createFirstToken(token: NewApiToken, now: number): Promise<ApiToken | null> {
    return this.driver.transaction(async (tx) => {
      const { rows } = await tx.query<{ any_token: boolean }>(SQL.lockTokens);
      if (rows[0]?.any_token === true) return null;
      return this.#insertToken(tx, token, now);
    });
  }

  async #insertToken(tx: SqlClient, token: NewApiToken, now: number): Promise<ApiToken> {
    const { rows } = await tx.query<TokenRow>(SQL.insertToken, [
      token.id,
      token.label,
      token.role,
      token.secretSha256,
      ts(now),
      token.createdBy,
    ]);
    const created = toToken(rows[0] as TokenRow);
    await this.#audit(tx, now, {
      actor: token.createdBy,
      action: "token.create",
      targetType: "token",
      targetId: token.id,
      before: null,
      after: { label: created.label, role: created.role },
    });
    return created;
  }

  async createSession(idSha256: string, tokenId: string, now: number, expiresAt: number): Promise<void> {
    await this.driver.query(SQL.insertSession, [idSha256, tokenId, ts(now), ts(expiresAt)]);
  }

  async findSession(idSha256: string, now: number): Promise<StoredSession | null> {
    const { rows } = await this.driver.query<{
      token_id: string;
      label: string;
      role: Role;
      expires_at: Date | string;
    }>(SQL.getSession, [idSha256, ts(now)]);
    const row = rows[0];
    if (row === undefined) return null;
    return { tokenId: row.token_id, label: row.label, role: row.role, expiresAt: date(row.expires_at) };
  }

  async deleteSession(idSha256: string): Promise<void> {
    await this.driver.query(SQL.deleteSession, [idSha256]);
  }

  async findToken(id: string): Promise<StoredApiToken | null> {
    const { rows } = await this.driver.query<TokenRow>(SQL.getToken, [id]);
    return rows[0] === undefined ? null : toStoredToken(rows[0]);
  }

  async listTokens(): Promise<ApiToken[]> {
    const { rows } = await this.driver.query<TokenRow>(SQL.listTokens);
    return rows.map(toToken);
  }

  async revokeToken(id: string, now: number, actor: string): Promise<ApiToken | null> {
    return this.driver.transaction(async (tx) => {
      const before = await tx.query<TokenRow>(SQL.getToken, [id]);
      const existing = before.rows[0];
      if (existing === undefined) return null;
      const { rows } = await tx.query<TokenRow>(SQL.revokeToken, [id, ts(now), actor]);
      const revoked = toToken(rows[0] as TokenRow);
      if (existing.revoked_at === null) {
        await this.#audit(tx, now, {
          actor,
          action: "token.revoke",
          targetType: "token",
          targetId: id,
          before: { label: existing.label, role: existing.role, revoked: false },
          after: { label: revoked.label, role: revoked.role, revoked: true },
        });
      }
      return revoked;
    });
  }

  async touchToken(id: string, now: number): Promise<void> {
    await this.driver.query(SQL.touchToken, [id, ts(now)]);
  }

  async appendAudit(entry: AuditEntry, now: number): Promise<void> {
    await this.#audit(this.driver, now, entry);
  }

  async #audit(client: SqlClient, now: number, entry: AuditEntry): Promise<void> {
    await client.query(SQL.insertAudit, [
      ts(now),
      entry.actor,
      entry.action,
      entry.targetType,
      entry.targetId,
      entry.before === undefined ? null : JSON.stringify(entry.before),
      entry.after === undefined ? null : JSON.stringify(entry.after),
    ]);
  }

  async listAudit(filter: AuditFilter): Promise<AuditRecord[]> {
    if (filter.before !== undefined && !isJobId(filter.before)) return [];
    const { rows } = await this.driver.query<AuditRow>(SQL.listAudit, [
      filter.targetType ?? null,
      filter.targetId ?? null,
      filter.actor ?? null,
      filter.before ?? null,
      filter.limit ?? 100,
    ]);
    return rows.map((row) => ({
      id: String(row.id),
      at: date(row.at),
      actor: row.actor,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      before: row.before,
      after: row.after,
    }));
  }
}
