-- finished_jobs_after.sql — finished jobs the event rules look at, after the cursor, in
-- (finished_at, id) order; walks the jobs_finished index, so the cost is the batch, not history.
-- Only up to $4 (now minus a lag): a job finished by a node whose transaction commits a little
-- later, or whose clock is a little behind, is not passed over.
-- For a skipped occurrence, schedule_paused says whether its schedule was paused at some time
-- between its fire time and when it was recorded (a pause, not an outage, made it missed); it
-- reads that schedule's pauses on schedule_history_by_schedule, and only for skipped rows.
-- params: $1 position_at timestamptz, $2 position_id bigint, $3 limit int, $4 up_to timestamptz
-- returns: id, task, queue, state, schedule_id, fire_at, started_at, finished_at, attempt, error,
--          error_code, error_name, schedule_paused
SELECT j.id, j.task, j.queue, j.state, j.schedule_id, j.fire_at, j.started_at, j.finished_at, j.attempt,
       j.last_error ->> 'message' AS error,
       j.last_error ->> 'code' AS error_code,
       j.last_error ->> 'name' AS error_name,
       CASE WHEN j.state = 'skipped' AND j.schedule_id IS NOT NULL AND j.fire_at IS NOT NULL THEN EXISTS (
         SELECT 1 FROM schedule_history p
         WHERE p.schedule_id = j.schedule_id AND p.action = 'paused' AND p.at <= j.finished_at
           AND NOT EXISTS (
             SELECT 1 FROM schedule_history r
             WHERE r.schedule_id = p.schedule_id AND r.action = 'resumed' AND r.id > p.id AND r.at < j.fire_at))
       ELSE false END AS schedule_paused
FROM jobs j
WHERE j.state IN ('succeeded', 'cancelled', 'skipped', 'dead', 'compensated', 'compensation_failed')
  AND j.finished_at <= $4
  AND (j.finished_at, j.id) > ($1::timestamptz, $2::bigint)
ORDER BY j.finished_at, j.id
LIMIT $3;
