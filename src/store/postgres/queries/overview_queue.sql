-- overview_queue.sql — the queue right now; each count stops at $2 rows (bounded cost on the
-- partial indexes of queued and running jobs).
-- params: $1 now timestamptz, $2 cap int
-- returns: one row: ready, scheduled, running bigint, oldest_ready_run_at timestamptz
SELECT
  (SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'queued' AND run_at <= $1 LIMIT $2) r) AS ready,
  (SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'queued' AND run_at > $1 LIMIT $2) s) AS scheduled,
  -- every running job holds a lease: the condition on it lets the count use jobs_leases
  (SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'running' AND lease_expires_at IS NOT NULL LIMIT $2) u) AS running,
  (SELECT min(run_at) FROM jobs WHERE state = 'queued' AND run_at <= $1) AS oldest_ready_run_at;
