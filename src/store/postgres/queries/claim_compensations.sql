-- claim_compensations.sql — lease up to $6 sagas waiting to be compensated, for worker $1, at most
-- task_limit per task. The job stays `compensating` while leased; the claim increments the
-- attempt (the fence) as every claim does.
-- params: $1 worker_id text, $2 now timestamptz, $3 lease_ms int, $4 tasks text[], $5 task_limits int[],
--         $6 limit int, $7 queues text[] (null: every queue)
-- returns: the claimed jobs
WITH candidates AS (
  SELECT c.id
  FROM unnest($4::text[], $5::int[]) AS w(task, task_limit)
  CROSS JOIN LATERAL (
    SELECT j.id, j.run_at
    FROM jobs j
    WHERE j.task = w.task AND j.state = 'compensating' AND j.lease_owner IS NULL AND j.run_at <= $2
      AND ($7::text[] IS NULL OR j.queue = ANY ($7::text[]))
    ORDER BY j.run_at, j.id
    LIMIT w.task_limit
    FOR UPDATE SKIP LOCKED
  ) c
  ORDER BY c.run_at, c.id
  LIMIT $6
)
UPDATE jobs j
SET attempt = j.attempt + 1,
    lease_owner = $1,
    lease_expires_at = $2::timestamptz + make_interval(secs => $3 / 1000.0),
    started_at = $2,
    updated_at = $2
FROM candidates c
WHERE j.id = c.id
RETURNING j.*;
