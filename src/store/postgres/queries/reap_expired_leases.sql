-- reap_expired_leases.sql — take back jobs whose worker stopped renewing its lease (crashed,
-- paused, cut off). The claim already counted the attempt, so a job that kills its worker
-- every time still reaches dead after max_attempts. A saga (compensation_max_attempts set) that
-- would go dead or cancelled is compensated instead; a compensation whose worker died waits to
-- be compensated again, or is compensation_failed once its budget is spent.
-- params: $1 now timestamptz, $2 limit int, $3 notify channel text
-- returns: id, task, queue, new state, has_dependents of each reaped job, compensation_began (a saga
--          began compensating)
WITH expired AS (
  SELECT id, jsonb_build_object(
    'code', 'LEASE_EXPIRED', 'name', 'LeaseExpired',
    'message', 'worker ' || coalesce(lease_owner, '?') || ' stopped renewing its lease (crashed, paused or cut off)',
    'attempt', attempt - attempt_base, 'at', to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS error
  FROM jobs
  WHERE (state = 'running' OR (state = 'compensating' AND lease_owner IS NOT NULL))
    AND lease_expires_at < $1
  ORDER BY lease_expires_at
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
decided AS (
  SELECT j.id, e.error,
    CASE
      WHEN j.state = 'compensating' THEN
        CASE WHEN j.attempt - j.attempt_base >= j.max_attempts THEN 'compensation_failed' ELSE 'compensating' END
      WHEN j.cancel_requested_at IS NULL AND j.attempt - j.attempt_base < j.max_attempts THEN 'queued'
      WHEN j.compensation_max_attempts IS NOT NULL THEN 'begin_compensation'
      WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled'
      ELSE 'dead' END AS next
  FROM jobs j JOIN expired e ON e.id = j.id
),
reaped AS (
  UPDATE jobs j
  SET state = CASE WHEN d.next = 'begin_compensation' THEN 'compensating' ELSE d.next END,
      run_at = $1,
      finished_at = CASE WHEN d.next IN ('cancelled', 'dead', 'compensation_failed') THEN $1::timestamptz END,
      -- a compensation that begins gets its own budget, counted from here
      attempt_base = CASE WHEN d.next = 'begin_compensation' THEN j.attempt ELSE j.attempt_base END,
      max_attempts = CASE WHEN d.next = 'begin_compensation' THEN j.compensation_max_attempts ELSE j.max_attempts END,
      cancel_requested_at = CASE WHEN d.next = 'begin_compensation' THEN NULL ELSE j.cancel_requested_at END,
      last_error = CASE WHEN j.state = 'compensating' THEN d.error || jsonb_build_object('compensation', true)
                        ELSE d.error END,
      errors = (CASE WHEN jsonb_array_length(j.errors) >= 25 THEN j.errors - 0 ELSE j.errors END)
               || jsonb_build_array(d.error || jsonb_build_object('worker', j.lease_owner, 'startedAt', j.started_at)),
      updated_at = $1, lease_owner = NULL, lease_expires_at = NULL
  FROM decided d
  WHERE j.id = d.id
  RETURNING j.id, j.task, j.queue, j.state, j.has_dependents, d.next = 'begin_compensation' AS compensation_began
),
notified AS (
  SELECT pg_notify($3, 'jobs:') FROM reaped WHERE state IN ('queued', 'compensating') HAVING count(*) > 0
)
SELECT reaped.* FROM reaped LEFT JOIN notified ON true;
