-- enqueue_alert_messages.sql — put messages in the outbox, due now.
-- params: $1 messages jsonb (array of { id, alertId, channel, notification }), $2 now timestamptz
-- returns: nothing
INSERT INTO alert_outbox (id, alert_id, channel, notification, status, next_attempt_at, created_at)
SELECT m ->> 'id', (m ->> 'alertId')::bigint, m ->> 'channel', m -> 'notification', 'pending', $2, $2
FROM jsonb_array_elements($1::jsonb) AS m;
