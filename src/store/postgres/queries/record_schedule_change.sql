-- record_schedule_change.sql — append to a schedule's history.
-- params: $1 schedule id text, $2 now timestamptz, $3 actor text, $4 action text, $5 before jsonb, $6 after jsonb
-- returns: nothing
INSERT INTO schedule_history (schedule_id, at, actor, action, before, after) VALUES ($1, $2, $3, $4, $5, $6);
