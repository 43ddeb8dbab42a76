-- set_schedule_state.sql — pause or resume a schedule, and set where its occurrences continue.
-- params: $1 schedule id text, $2 paused boolean, $3 next_fire_at timestamptz (null: none), $4 now timestamptz
-- returns: the schedule row
UPDATE schedules SET paused = $2, next_fire_at = $3, updated_at = $4 WHERE id = $1 RETURNING *;
