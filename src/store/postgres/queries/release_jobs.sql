-- release_jobs.sql — give held jobs back on shutdown: queued now (a saga's compensation waits,
-- compensating, for the next worker), the attempt refunded by moving attempt_base (the fence
-- itself never goes back, so the releasing worker's late writes stay refused).
-- params: $1 job ids bigint[], $2 fences int[], $3 now timestamptz, $4 notify channel text
-- returns: id of each job released
WITH released AS (
  UPDATE jobs j
  SET state = CASE WHEN j.state = 'compensating' THEN 'compensating' ELSE 'queued' END, run_at = $3, attempt_base = j.attempt_base + 1, updated_at = $3,
      lease_owner = NULL, lease_expires_at = NULL
  FROM unnest($1::bigint[], $2::int[]) AS l(id, fence)
  -- by primary key whatever the statistics say (complete_jobs.sql)
  WHERE j.id = ANY ($1::bigint[]) AND j.id = l.id AND j.attempt = l.fence AND j.state IN ('running', 'compensating') AND j.lease_owner IS NOT NULL
  RETURNING j.id
),
notified AS (
  SELECT pg_notify($4, 'jobs:') FROM released HAVING count(*) > 0
)
SELECT released.id FROM released LEFT JOIN notified ON true;
