-- insert_occurrences.sql — enqueue (or record as skipped) schedule occurrences. The UNIQUE key
-- (schedule_id, fire_at) makes an occurrence that already exists a no-op, never a second run.
-- params: $1 occurrences jsonb (array of {schedule_id, fire_at, run_at, state, task, queue, payload, priority,
--         max_attempts, timeout_ms, retry, overlap, last_error, concurrency_key, rate_limit_key, circuit_key,
--         trace_context}),
--         $2 now timestamptz,
--         $3 notify channel text
-- returns: id, schedule_id, fire_at, state, task, queue, trace_context of each occurrence inserted
--          (state 'waiting': an occurrence of a schedule that follows another; its edge is the caller's)
WITH inserted AS (
  INSERT INTO jobs (task, queue, payload, state, priority, run_at, max_attempts, timeout_ms, retry, tags,
                    schedule_id, fire_at, overlap, last_error, concurrency_key, rate_limit_key, circuit_key,
                    trace_context, created_at, updated_at, finished_at)
  SELECT o.task, o.queue, coalesce(o.payload, 'null'), o.state, o.priority, o.run_at, o.max_attempts, o.timeout_ms, o.retry, '{}',
         o.schedule_id, o.fire_at, o.overlap, o.last_error, o.concurrency_key, o.rate_limit_key, o.circuit_key,
         o.trace_context, $2, $2, CASE WHEN o.state = 'skipped' THEN $2::timestamptz END
  FROM jsonb_to_recordset($1::jsonb) AS o(schedule_id text, fire_at timestamptz, run_at timestamptz, state text,
    task text, queue text, payload jsonb, priority int, max_attempts int, timeout_ms int, retry jsonb, overlap text,
    last_error jsonb, concurrency_key text, rate_limit_key text, circuit_key text, trace_context jsonb)
  ON CONFLICT (schedule_id, fire_at) WHERE fire_at IS NOT NULL DO NOTHING
  RETURNING id, schedule_id, fire_at, state, run_at, task, queue, trace_context
),
notified AS (
  SELECT pg_notify($3, 'jobs:' || (extract(epoch FROM min(run_at)) * 1000)::bigint::text)
  FROM inserted WHERE state = 'queued' HAVING count(*) > 0
)
SELECT inserted.id, inserted.schedule_id, inserted.fire_at, inserted.state, inserted.task, inserted.queue,
       inserted.trace_context
FROM inserted LEFT JOIN notified ON true;
