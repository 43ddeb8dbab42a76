-- get_schedule.sql — one schedule.
-- params: $1 schedule id text
-- returns: the schedule row, or nothing
SELECT * FROM schedules WHERE id = $1;
