-- replay_job.sql — bring a dead or cancelled job back with a fresh attempt budget.
-- params: $1 job id bigint, $2 now timestamptz, $3 notify channel text
-- returns: the job after the change, or nothing if it was not dead or cancelled
WITH replayed AS (
  UPDATE jobs
  SET state = 'queued', run_at = $2, attempt_base = attempt, finished_at = NULL, result = NULL,
      cancel_requested_at = NULL, progress = NULL, updated_at = $2
  WHERE id = $1 AND state IN ('dead', 'cancelled')
  RETURNING *
),
notified AS (
  SELECT pg_notify($3, 'jobs:') FROM replayed HAVING count(*) > 0
)
SELECT replayed.* FROM replayed LEFT JOIN notified ON true;
