-- update_schedule.sql — replace a schedule's definition; its next occurrence is recomputed from now
-- (an edit never fires retroactively).
-- params: $1 schedule jsonb (as insert_schedule.sql), $2 now timestamptz
-- returns: the schedule row
UPDATE schedules t
SET task = s.task, payload = coalesce(s.payload, 'null'), spec = s.spec, timing = s.timing, start_at = s.start_at, end_at = s.end_at,
    jitter_ms = s.jitter_ms, catchup = s.catchup, catchup_window_ms = s.catchup_window_ms, max_catchup = s.max_catchup,
    overlap = s.overlap, calendars = s.calendars, queue = s.queue, priority = s.priority,
    max_attempts = s.max_attempts, timeout_ms = s.timeout_ms, retry = s.retry, next_fire_at = s.next_fire_at,
    updated_at = $2
FROM jsonb_to_record($1::jsonb) AS s(id text, task text, payload jsonb, spec jsonb, timing jsonb, start_at timestamptz,
  end_at timestamptz, jitter_ms int, catchup text, catchup_window_ms bigint, max_catchup int, overlap text,
  calendars text[], queue text, priority int, max_attempts int, timeout_ms int, retry jsonb, next_fire_at timestamptz)
WHERE t.id = s.id
RETURNING t.*;
