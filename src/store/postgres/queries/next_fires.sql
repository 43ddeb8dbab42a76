-- next_fires.sql — the next occurrences across all schedules (on the schedules_due index).
-- params: $1 limit int
-- returns: id, task, next_fire_at, timing
SELECT id, task, next_fire_at, timing FROM schedules
WHERE NOT paused AND next_fire_at IS NOT NULL
ORDER BY next_fire_at
LIMIT $1;
