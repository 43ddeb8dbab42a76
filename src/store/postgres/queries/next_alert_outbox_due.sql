-- next_alert_outbox_due.sql — when the earliest pending message is due (or its claim expires).
-- params: none
-- returns: one row, due timestamptz (null when nothing is pending)
SELECT min(greatest(next_attempt_at, coalesce(claim_expires_at, next_attempt_at))) AS due
FROM alert_outbox WHERE status = 'pending';
