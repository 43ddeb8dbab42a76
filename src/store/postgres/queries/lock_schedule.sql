-- lock_schedule.sql — a schedule, locked for a change in this transaction.
-- params: $1 schedule id text
-- returns: the schedule row, or nothing
SELECT * FROM schedules WHERE id = $1 FOR UPDATE;
