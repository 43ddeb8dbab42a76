-- 0003_nodes_and_maintenance.sql — the registry of nodes (each upserts its row every few
-- seconds, so the dashboard can list who is alive and how far its clock is off), the leases of
-- cluster-wide housekeeping, and an index that lets retention delete old finished jobs in batches.

CREATE TABLE nodes (
  -- The node's worker id.
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  version text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- The node's local wall clock minus the database clock, in ms, at its last calibration.
  clock_skew_ms integer NOT NULL DEFAULT 0
);

-- One row per named lease (today only "maintenance"). The row is never deleted, so the fence
-- only grows: it increases by one at every change of holder and identifies a holder's tenure.
CREATE TABLE maintenance_lease (
  name text PRIMARY KEY,
  -- Null while nobody holds it (its last holder released it on a clean stop).
  holder text,
  fence bigint NOT NULL,
  expires_at timestamptz
);

-- Retention reads finished jobs oldest first; the partial index keeps it off queued and running rows.
CREATE INDEX jobs_finished ON jobs (finished_at)
  WHERE state IN ('succeeded', 'cancelled', 'skipped', 'dead');
