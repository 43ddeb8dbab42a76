-- cancel_job.sql — cancel a queued or waiting job at once; for a running one, record the request
-- (the worker holding it is told by notification and by its next heartbeat).
-- params: $1 job id bigint, $2 now timestamptz, $3 notify channel text
-- returns: the job after the change, or nothing if it was not waiting, queued or running
WITH changed AS (
  UPDATE jobs
  SET state = CASE WHEN state IN ('queued', 'waiting') THEN 'cancelled' ELSE state END,
      finished_at = CASE WHEN state IN ('queued', 'waiting') THEN $2::timestamptz ELSE finished_at END,
      cancel_requested_at = coalesce(cancel_requested_at, $2::timestamptz),
      updated_at = $2
  WHERE id = $1 AND state IN ('waiting', 'queued', 'running')
  RETURNING *
),
notified AS (
  SELECT pg_notify($3, 'cancel:' || id::text) FROM changed WHERE state = 'running'
)
SELECT changed.* FROM changed LEFT JOIN notified ON true;
