-- claim_due_schedules.sql — lock active schedules whose next occurrence falls before $1, so one
-- node plans each; other nodes skip them (SKIP LOCKED) and take the next ones.
-- params: $1 horizon timestamptz (now + lookahead), $2 limit int
-- returns: schedule rows, earliest first
SELECT * FROM schedules
WHERE NOT paused AND next_fire_at IS NOT NULL AND next_fire_at <= $1
ORDER BY next_fire_at
LIMIT $2
FOR UPDATE SKIP LOCKED;
