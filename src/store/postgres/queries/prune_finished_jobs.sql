-- prune_finished_jobs.sql — retention: delete up to $2 jobs that finished (succeeded, cancelled,
-- skipped, dead, compensated, compensation_failed) before $1, oldest first; their logs and steps
-- go with them (ON DELETE CASCADE). Rows another transaction holds are skipped, not waited for,
-- so a pass never blocks the hot path.
-- Idempotency keys live in their own table and keep deduplicating until they expire.
-- params: $1 cutoff timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM jobs
  WHERE id IN (
    SELECT id FROM jobs
    WHERE state IN ('succeeded', 'cancelled', 'skipped', 'dead', 'compensated', 'compensation_failed')
      AND finished_at < $1
    ORDER BY finished_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
