-- finished_jobs_after.sql — finished jobs the event rules look at, after the cursor, in
-- (finished_at, id) order; walks the jobs_finished index, so the cost is the batch, not history.
-- Only up to $4 (now minus a lag): a job finished by a node whose transaction commits a little
-- later, or whose clock is a little behind, is not passed over.
-- params: $1 position_at timestamptz, $2 position_id bigint, $3 limit int, $4 up_to timestamptz
-- returns: id, task, queue, state, schedule_id, fire_at, started_at, finished_at, attempt, error
SELECT id, task, queue, state, schedule_id, fire_at, started_at, finished_at, attempt,
       last_error ->> 'message' AS error
FROM jobs
WHERE state IN ('succeeded', 'cancelled', 'skipped', 'dead', 'compensated', 'compensation_failed')
  AND finished_at <= $4
  AND (finished_at, id) > ($1::timestamptz, $2::bigint)
ORDER BY finished_at, id
LIMIT $3;
