-- insert_triggered_job.sql — run a schedule now, once, outside its cadence (no fire_at: not an occurrence).
-- params: $1 schedule id text, $2 now timestamptz, $3 notify channel text,
--         $4 trace_context jsonb (the W3C trace context of the trigger's span; null: none)
-- returns: the job, or nothing if there is no such schedule
WITH inserted AS (
  INSERT INTO jobs (task, queue, payload, state, priority, run_at, max_attempts, timeout_ms, retry, tags,
                    schedule_id, overlap, trace_context, created_at, updated_at)
  SELECT s.task, s.queue, s.payload, 'queued', s.priority, $2, s.max_attempts, s.timeout_ms, s.retry, '{trigger}',
         s.id, NULLIF(s.overlap, 'allow'), $4::jsonb, $2, $2
  FROM schedules s WHERE s.id = $1
  RETURNING *
),
notified AS (
  SELECT pg_notify($3, 'jobs:') FROM inserted
)
SELECT inserted.* FROM inserted LEFT JOIN notified ON true;
