-- next_schedule_fire_at.sql — the earliest next occurrence of any active schedule (the fire loop's timer).
-- params: none
-- returns: zero or one row, next_fire_at timestamptz
SELECT next_fire_at FROM schedules
WHERE NOT paused AND next_fire_at IS NOT NULL
ORDER BY next_fire_at
LIMIT 1;
