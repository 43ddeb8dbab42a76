-- begin_compensation.sql — a saga failed for good (or was cancelled): it waits, compensating, for
-- a worker to undo its completed steps, with a fresh budget of compensation_max_attempts.
-- params: $1 job id bigint, $2 fence int, $3 error jsonb, $4 now timestamptz, $5 notify channel text
-- returns: one row if this attempt held the job
WITH begun AS (
  UPDATE jobs j
  SET state = 'compensating', run_at = $4, attempt_base = j.attempt,
      max_attempts = j.compensation_max_attempts, cancel_requested_at = NULL,
      last_error = $3,
      errors = (CASE WHEN jsonb_array_length(j.errors) >= 25 THEN j.errors - 0 ELSE j.errors END)
               || jsonb_build_array($3::jsonb || jsonb_build_object('worker', j.lease_owner, 'startedAt', j.started_at)),
      updated_at = $4, lease_owner = NULL, lease_expires_at = NULL
  WHERE j.id = $1 AND j.attempt = $2 AND j.state = 'running' AND j.compensation_max_attempts IS NOT NULL
  RETURNING j.id
),
notified AS (
  SELECT pg_notify($5, 'jobs:') FROM begun HAVING count(*) > 0
)
SELECT begun.id FROM begun LEFT JOIN notified ON true;
