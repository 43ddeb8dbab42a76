-- reap_expired_leases.sql — take back jobs whose worker stopped renewing its lease (crashed,
-- paused, cut off). The claim already counted the attempt, so a job that kills its worker
-- every time still reaches dead after max_attempts.
-- params: $1 now timestamptz, $2 limit int, $3 notify channel text
-- returns: id, task, queue, new state of each reaped job
WITH expired AS (
  SELECT id, jsonb_build_object(
    'code', 'LEASE_EXPIRED', 'name', 'LeaseExpired',
    'message', 'worker ' || coalesce(lease_owner, '?') || ' stopped renewing its lease (crashed, paused or cut off)',
    'attempt', attempt - attempt_base, 'at', to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS error
  FROM jobs
  WHERE state = 'running' AND lease_expires_at < $1
  ORDER BY lease_expires_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
reaped AS (
  UPDATE jobs j
  SET state = CASE
        WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
        WHEN j.attempt - j.attempt_base >= j.max_attempts THEN 'dead'
        ELSE 'queued' END,
      run_at = $1,
      finished_at = CASE
        WHEN j.cancel_requested_at IS NOT NULL OR j.attempt - j.attempt_base >= j.max_attempts THEN $1::timestamptz END,
      last_error = e.error,
      errors = (CASE WHEN jsonb_array_length(j.errors) >= 25 THEN j.errors - 0 ELSE j.errors END)
               || jsonb_build_array(e.error || jsonb_build_object('worker', j.lease_owner, 'startedAt', j.started_at)),
      updated_at = $1, lease_owner = NULL, lease_expires_at = NULL
  FROM expired e
  WHERE j.id = e.id
  RETURNING j.id, j.task, j.queue, j.state
),
notified AS (
  SELECT pg_notify($3, 'jobs:') FROM reaped WHERE state = 'queued' HAVING count(*) > 0
)
SELECT reaped.* FROM reaped LEFT JOIN notified ON true;
