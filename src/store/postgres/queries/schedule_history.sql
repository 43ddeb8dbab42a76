-- schedule_history.sql — a schedule's changes, oldest first.
-- params: $1 schedule id text
-- returns: at, actor, action, before, after
SELECT at, actor, action, before, after FROM schedule_history WHERE schedule_id = $1 ORDER BY id;
