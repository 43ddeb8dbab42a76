-- delete_schedule.sql — remove a schedule (its history and finished runs stay).
-- params: $1 schedule id text
-- returns: the deleted row, or nothing
DELETE FROM schedules WHERE id = $1 RETURNING *;
