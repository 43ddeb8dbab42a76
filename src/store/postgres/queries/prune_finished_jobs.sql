-- prune_finished_jobs.sql — retention: delete up to $2 jobs that finished (succeeded, cancelled,
-- skipped, dead, compensated, compensation_failed) before $1, oldest first; their logs and steps
-- go with them (ON DELETE CASCADE). Rows another transaction holds are skipped, not waited for,
-- so a pass never blocks the hot path.
-- A finished job with a dependent that has not finished is kept: the dependent still needs its
-- edge (to be resolved) and its result (ctx.dependencies).
-- Idempotency keys live in their own table and keep deduplicating until they expire.
-- params: $1 cutoff timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM jobs
  WHERE id IN (
    SELECT id FROM jobs
    WHERE state IN ('succeeded', 'cancelled', 'skipped', 'dead', 'compensated', 'compensation_failed')
      AND finished_at < $1
      AND NOT (has_dependents AND EXISTS (
        SELECT 1 FROM job_dependencies d JOIN jobs w ON w.id = d.job_id
        WHERE d.depends_on = jobs.id
          AND w.state NOT IN ('succeeded', 'cancelled', 'skipped', 'dead', 'compensated', 'compensation_failed')))
    ORDER BY finished_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
