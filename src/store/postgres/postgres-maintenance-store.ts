import type { LeaseHolder, MaintenanceStore, NodeHeartbeat, NodeInfo } from "../maintenance-store.js";
import type { SqlDriver } from "./drivers/driver.js";
import { loadQuery } from "./sql-files.js";

const SQL = {
  acquireLease: loadQuery("acquire_maintenance_lease"),
  releaseLease: loadQuery("release_maintenance_lease"),
  getLease: loadQuery("get_maintenance_lease"),
  heartbeatNode: loadQuery("heartbeat_node"),
  deleteNode: loadQuery("delete_node"),
  listNodes: loadQuery("list_nodes"),
  pruneNodes: loadQuery("prune_nodes"),
  pruneFinishedJobs: loadQuery("prune_finished_jobs"),
  pruneRateLimitGrants: loadQuery("prune_rate_limit_grants"),
  pruneIdempotencyKeys: loadQuery("prune_idempotency_keys"),
};

const ts = (ms: number) => new Date(ms);

interface NodeRow {
  id: string;
  host: string;
  pid: number;
  version: string;
  started_at: Date | string;
  last_seen_at: Date | string;
  clock_skew_ms: number;
}

/** The MaintenanceStore on PostgreSQL: leases, the node registry and retention. */
export class PostgresMaintenanceStore implements MaintenanceStore {
  constructor(private readonly driver: SqlDriver) {}

  async acquireLease(
    name: string,
    holder: string,
    now: number,
    ttlMs: number,
  ): Promise<{ fence: number } | null> {
    const { rows } = await this.driver.query<{ fence: string | number }>(SQL.acquireLease, [
      name,
      holder,
      ts(now),
      ts(now + ttlMs),
    ]);
    return rows[0] === undefined ? null : { fence: Number(rows[0].fence) };
  }

  async releaseLease(name: string, holder: string, fence: number): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.releaseLease, [name, holder, fence]);
    return rows.length > 0;
  }

  async leaseHolder(name: string): Promise<LeaseHolder | null> {
    const { rows } = await this.driver.query<{
      holder: string;
      fence: string | number;
      expires_at: Date | string;
    }>(SQL.getLease, [name]);
    const row = rows[0];
    if (row === undefined) return null;
    return { holder: row.holder, fence: Number(row.fence), expiresAt: new Date(row.expires_at) };
  }

  async heartbeatNode(node: NodeHeartbeat, now: number): Promise<void> {
    await this.driver.query(SQL.heartbeatNode, [
      node.id,
      node.host,
      node.pid,
      node.version,
      ts(node.startedAt),
      ts(now),
      Math.round(node.clockSkewMs),
    ]);
  }

  async removeNode(id: string): Promise<boolean> {
    const { rows } = await this.driver.query(SQL.deleteNode, [id]);
    return rows.length > 0;
  }

  async listNodes(): Promise<NodeInfo[]> {
    const { rows } = await this.driver.query<NodeRow>(SQL.listNodes);
    return rows.map((row) => ({
      id: row.id,
      host: row.host,
      pid: Number(row.pid),
      version: row.version,
      startedAt: new Date(row.started_at),
      lastSeenAt: new Date(row.last_seen_at),
      clockSkewMs: Number(row.clock_skew_ms),
    }));
  }

  async pruneNodes(now: number, olderThanMs: number): Promise<number> {
    return this.#count(SQL.pruneNodes, [ts(now - olderThanMs)]);
  }

  async pruneFinishedJobs(now: number, olderThanMs: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    return this.#count(SQL.pruneFinishedJobs, [ts(now - olderThanMs), limit]);
  }

  async pruneRateLimitGrants(now: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    return this.#count(SQL.pruneRateLimitGrants, [ts(now), limit]);
  }

  async pruneIdempotencyKeys(now: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    return this.#count(SQL.pruneIdempotencyKeys, [ts(now), limit]);
  }

  async #count(sql: string, params: unknown[]): Promise<number> {
    const { rows } = await this.driver.query<{ pruned: string | number }>(sql, params);
    return Number(rows[0]?.pruned ?? 0);
  }
}
