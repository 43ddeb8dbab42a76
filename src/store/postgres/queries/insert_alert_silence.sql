-- insert_alert_silence.sql — a new silence.
-- params: $1 matchers jsonb, $2 starts_at, $3 ends_at, $4 comment text, $5 created_by text, $6 now
-- returns: the alert_silences row
INSERT INTO alert_silences (matchers, starts_at, ends_at, comment, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;
