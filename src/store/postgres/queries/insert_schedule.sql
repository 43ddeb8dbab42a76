-- insert_schedule.sql — a new schedule.
-- params: $1 schedule jsonb ({id, task, payload, spec, timing, start_at, end_at, jitter_ms, catchup,
--         catchup_window_ms, max_catchup, overlap, calendars, queue, priority, max_attempts, timeout_ms,
--         retry, next_fire_at}), $2 now timestamptz,
--         $3 owner text ('code' | 'file' | 'api')
-- returns: the schedule row, or nothing when another transaction created it first
INSERT INTO schedules (id, task, payload, spec, timing, start_at, end_at, jitter_ms, catchup, catchup_window_ms,
                       max_catchup, overlap, calendars, queue, priority, max_attempts, timeout_ms, retry,
                       next_fire_at, created_at, updated_at, owner)
SELECT s.id, s.task, coalesce(s.payload, 'null'), s.spec, s.timing, s.start_at, s.end_at, s.jitter_ms, s.catchup, s.catchup_window_ms,
       s.max_catchup, s.overlap, s.calendars, s.queue, s.priority, s.max_attempts, s.timeout_ms, s.retry,
       s.next_fire_at, $2, $2, $3
FROM jsonb_to_record($1::jsonb) AS s(id text, task text, payload jsonb, spec jsonb, timing jsonb, start_at timestamptz,
  end_at timestamptz, jitter_ms int, catchup text, catchup_window_ms bigint, max_catchup int, overlap text,
  calendars text[], queue text, priority int, max_attempts int, timeout_ms int, retry jsonb, next_fire_at timestamptz)
ON CONFLICT (id) DO NOTHING
RETURNING *;
