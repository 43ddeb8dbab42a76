-- fail_jobs.sql — record failed attempts: back to queued (a retry at run_at), dead or cancelled.
-- params: $1 items jsonb (array of {id, fence, state, run_at, error}), $2 now timestamptz, $3 notify channel text
-- returns: id of each attempt accepted (others were no longer held and changed nothing), state,
--          has_dependents (a job that ended with dependents has them resolved by the caller)
WITH f AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS f(id bigint, fence int, state text, run_at timestamptz, error jsonb)
),
failed AS (
  UPDATE jobs j
  SET state = f.state,
      run_at = coalesce(f.run_at, j.run_at),
      last_error = f.error,
      -- the attempt's error joins the job's history (the last 25 are kept)
      errors = (CASE WHEN jsonb_array_length(j.errors) >= 25 THEN j.errors - 0 ELSE j.errors END)
               || jsonb_build_array(f.error || jsonb_build_object('worker', j.lease_owner, 'startedAt', j.started_at)),
      finished_at = CASE WHEN f.state = 'queued' THEN NULL ELSE $2::timestamptz END,
      updated_at = $2, lease_owner = NULL, lease_expires_at = NULL
  FROM f
  -- by primary key whatever the statistics say (complete_jobs.sql)
  WHERE j.id = ANY (ARRAY(SELECT f.id FROM f)) AND j.id = f.id AND j.attempt = f.fence AND j.state = 'running'
  RETURNING j.id, j.state, j.run_at, j.has_dependents
),
notified AS (
  SELECT pg_notify($3, 'jobs:' || (extract(epoch FROM min(run_at)) * 1000)::bigint::text)
  FROM failed WHERE state = 'queued' HAVING count(*) > 0
)
SELECT failed.id, failed.state, failed.has_dependents FROM failed LEFT JOIN notified ON true;
