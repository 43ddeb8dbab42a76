/** A node as it last reported itself in the registry. */
export interface NodeInfo {
  /** The node's worker id. */
  id: string;
  host: string;
  pid: number;
  /** The TaskFlow version the node runs. */
  version: string;
  startedAt: Date;
  /** Its last heartbeat: a node not seen for a while is gone (or cut off from the database). */
  lastSeenAt: Date;
  /** The node's local wall clock minus the database clock, in ms. */
  clockSkewMs: number;
}

/** What a node writes about itself at each heartbeat. */
export interface NodeHeartbeat {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  clockSkewMs: number;
}

/** The current (or last, if it expired) holder of a lease. */
export interface LeaseHolder {
  holder: string;
  /** Grows by one at every change of holder: it names the holder's tenure. */
  fence: number;
  expiresAt: Date;
}

/**
 * The housekeeping part of the Store port: named leases with a fencing number (one node at a time
 * does cluster-wide housekeeping), the node registry, and retention. Times are the engine's.
 */
export interface MaintenanceStore {
  /**
   * Takes lease `name` for `holder` until `now + ttlMs` if it is free or expired (with a fence
   * one higher than the last holder's), or renews it if `holder` already holds it (same fence).
   * Atomic: of several nodes racing, one gets it. Null when another holder has it.
   */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<{ fence: number } | null>;
  /** Frees the lease for the next node at once. False when this tenure no longer held it. */
  releaseLease(name: string, holder: string, fence: number): Promise<boolean>;
  /** The lease's holder, expired or not; null when it was never taken or was released. */
  leaseHolder(name: string): Promise<LeaseHolder | null>;

  /** Inserts or refreshes the node's row, with `last_seen_at = now`. */
  heartbeatNode(node: NodeHeartbeat, now: number): Promise<void>;
  /** Removes the node's row (a clean stop). False when there was none. */
  removeNode(id: string): Promise<boolean>;
  listNodes(): Promise<NodeInfo[]>;
  /** Forgets nodes not seen for `olderThanMs`; returns how many. */
  pruneNodes(now: number, olderThanMs: number): Promise<number>;

  /**
   * Deletes up to `limit` jobs that finished (succeeded, cancelled, skipped, dead) more than
   * `olderThanMs` before `now`, oldest first, with their logs; returns how many. Rows locked by
   * another transaction are skipped. Call again while it returns `limit`.
   */
  pruneFinishedJobs(now: number, olderThanMs: number, limit: number): Promise<number>;

  /** Deletes up to `limit` rate-limit grants whose window ended by `now`; returns how many. */
  pruneRateLimitGrants(now: number, limit: number): Promise<number>;

  /**
   * Deletes up to `limit` idempotency keys whose window ended by `now` (they deduplicate nothing
   * any more); returns how many. Call again while it returns `limit`.
   */
  pruneIdempotencyKeys(now: number, limit: number): Promise<number>;
}
