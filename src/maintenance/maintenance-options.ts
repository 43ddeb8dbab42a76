import { parseDuration, type Duration } from "../domain/duration.js";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";

export interface MaintenanceOptions {
  /**
   * How long the maintenance lease lasts without renewal. Its holder renews it every third of
   * this; when the holder dies, another node takes over within this time (at once, at its next
   * try, when the holder stops cleanly). Every node also reports itself in the node registry
   * every half of it. From 1s to 1h. @defaultValue "10s"
   */
  leaseTtl?: Duration;
  /**
   * How long finished jobs (succeeded, cancelled, skipped and dead) are kept, with their logs,
   * before the maintenance holder deletes them. `0` or `false` keeps them for ever. At least 1m.
   * Idempotency keys outlive their jobs: they keep deduplicating until their own expiry.
   * Alert history past this window goes too: resolved alerts, delivered or given-up messages
   * and ended silences (firing alerts and pending messages are kept, docs/alerting.md).
   * @defaultValue "7d"
   */
  retention?: Duration | false;
}

export interface MaintenanceSettings {
  leaseTtlMs: number;
  /** Null: finished jobs are kept for ever. */
  retentionMs: number | null;
  /** How often the holder runs retention (and prunes the node registry): 1% of the window, 1m to 1h. */
  retentionIntervalMs: number;
  /** How often every node refreshes its row in the node registry. */
  nodeHeartbeatMs: number;
  /** A node not seen for this long is removed from the registry. */
  nodeExpiryMs: number;
}

const MIN_LEASE_TTL_MS = 1000;
const MAX_LEASE_TTL_MS = 3_600_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const MIN_RETENTION_MS = MINUTE;
const NODE_EXPIRY_MS = HOUR;

export function resolveMaintenanceOptions(options: MaintenanceOptions = {}): MaintenanceSettings {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw invalid("maintenance", 'maintenance must be an object like { leaseTtl: "10s", retention: "7d" }');
  }
  const leaseTtlMs = parseDuration(options.leaseTtl ?? "10s", "maintenance.leaseTtl");
  if (leaseTtlMs < MIN_LEASE_TTL_MS || leaseTtlMs > MAX_LEASE_TTL_MS) {
    throw invalid("maintenance.leaseTtl", `maintenance.leaseTtl must be from 1s to 1h, got ${leaseTtlMs} ms`);
  }
  const retention = options.retention ?? "7d";
  const retentionMs = retention === false ? 0 : parseDuration(retention, "maintenance.retention");
  if (retentionMs !== 0 && retentionMs < MIN_RETENTION_MS) {
    throw invalid(
      "maintenance.retention",
      `maintenance.retention must be at least 1m (or 0 / false to keep finished jobs for ever), got ${retentionMs} ms`,
    );
  }
  // A pass every hundredth of the window (within 1m..1h): a job outlives it by at most 1%.
  const window = retentionMs === 0 ? NODE_EXPIRY_MS : retentionMs;
  return {
    leaseTtlMs,
    retentionMs: retentionMs === 0 ? null : retentionMs,
    retentionIntervalMs: Math.min(HOUR, Math.max(MINUTE, Math.floor(window / 100))),
    nodeHeartbeatMs: Math.floor(leaseTtlMs / 2),
    nodeExpiryMs: NODE_EXPIRY_MS,
  };
}

function invalid(option: string, message: string): InvalidInputError {
  return new InvalidInputError(message, { code: ErrorCode.InvalidOption, details: { option } });
}
