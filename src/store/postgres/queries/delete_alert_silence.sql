-- delete_alert_silence.sql — remove a silence.
-- params: $1 id bigint
-- returns: one row if it existed
DELETE FROM alert_silences WHERE id = $1 RETURNING id;
