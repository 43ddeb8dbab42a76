-- replay_dead_jobs.sql — bring every dead job matching the filter back with a fresh attempt budget.
-- params: $1 task text (null: any), $2 queue text (null: any), $3 tags text[] (all of them; null: any),
--         $4 now timestamptz, $5 notify channel text
-- returns: one row, replayed bigint (how many)
WITH replayed AS (
  UPDATE jobs
  SET state = 'queued', run_at = $4, attempt_base = attempt, finished_at = NULL, result = NULL,
      progress = NULL, updated_at = $4
  WHERE state = 'dead'
    AND ($1::text IS NULL OR task = $1) AND ($2::text IS NULL OR queue = $2) AND ($3::text[] IS NULL OR tags @> $3::text[])
  RETURNING id
),
notified AS (
  SELECT pg_notify($5, 'jobs:') FROM replayed HAVING count(*) > 0
)
SELECT count(*) AS replayed FROM replayed LEFT JOIN notified ON true;
