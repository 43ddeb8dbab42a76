-- list_alert_deliveries.sql — every recorded delivery attempt of an alert's messages, in order.
-- params: $1 alert_id bigint
-- returns: outbox_id, channel, attempt, node, at, outcome, status, detail
SELECT d.outbox_id, o.channel, d.attempt, d.node, d.at, d.outcome, d.status, d.detail
FROM alert_deliveries d JOIN alert_outbox o ON o.id = d.outbox_id
WHERE o.alert_id = $1
ORDER BY d.id;
