-- fail_compensation.sql — a compensation attempt failed: compensating again at run_at, or, with
-- its budget spent (or a PermanentError), compensation_failed: the saga needs a person.
-- params: $1 job id bigint, $2 fence int, $3 state text ('compensating' | 'compensation_failed'),
--         $4 run_at timestamptz (null: unchanged), $5 error jsonb, $6 now timestamptz, $7 notify channel text
-- returns: one row if this attempt held the job
WITH failed AS (
  UPDATE jobs j
  SET state = $3, run_at = coalesce($4, j.run_at),
      last_error = $5::jsonb || jsonb_build_object('compensation', true),
      errors = (CASE WHEN jsonb_array_length(j.errors) >= 25 THEN j.errors - 0 ELSE j.errors END)
               || jsonb_build_array($5::jsonb || jsonb_build_object('worker', j.lease_owner, 'startedAt', j.started_at,
                                                                   'compensation', true)),
      finished_at = CASE WHEN $3 = 'compensation_failed' THEN $6::timestamptz END,
      updated_at = $6, lease_owner = NULL, lease_expires_at = NULL
  WHERE j.id = $1 AND j.attempt = $2 AND j.state = 'compensating' AND j.lease_owner IS NOT NULL
  RETURNING j.id, j.state, j.run_at
),
notified AS (
  SELECT pg_notify($7, 'jobs:' || (extract(epoch FROM min(run_at)) * 1000)::bigint::text)
  FROM failed WHERE state = 'compensating' HAVING count(*) > 0
)
SELECT failed.id FROM failed LEFT JOIN notified ON true;
