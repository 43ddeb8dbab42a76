-- list_alert_outbox.sql — the messages of an alert, oldest first.
-- params: $1 alert_id bigint
-- returns: id, channel, status, attempts, next_attempt_at, notification
SELECT id, channel, status, attempts, next_attempt_at, notification
FROM alert_outbox WHERE alert_id = $1 ORDER BY created_at, id;
