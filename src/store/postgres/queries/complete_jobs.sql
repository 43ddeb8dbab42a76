-- complete_jobs.sql — mark attempts succeeded, each fenced by (id, attempt).
-- params: $1 items jsonb (array of {id, fence, result}), $2 now timestamptz
-- returns: id of each attempt accepted (others were no longer held and changed nothing), and
--          has_dependents (the caller then resolves the jobs waiting for it)
WITH d AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(id bigint, fence int, result jsonb)
)
UPDATE jobs j
SET state = 'succeeded', result = d.result, finished_at = $2, updated_at = $2,
    lease_owner = NULL, lease_expires_at = NULL
FROM d
-- by primary key whatever the statistics say: planned from the join alone, a table whose
-- statistics show few running jobs (new, or just emptied) was scanned whole for every item
WHERE j.id = ANY (ARRAY(SELECT d.id FROM d)) AND j.id = d.id AND j.attempt = d.fence AND j.state = 'running'
RETURNING j.id, j.has_dependents;
