-- update_alert.sql — write back an open alert's state after an evaluation. The acknowledgement
-- is not written: only the API sets it, and it may have done so since the row was read.
-- params: $1 id bigint, $2 severity, $3 status, $4 title, $5 summary, $6 subject jsonb,
--         $7 labels jsonb, $8 count, $9 last_at, $10 notified_count, $11 first_notified_at,
--         $12 last_notified_at, $13 notified_channels text[], $14 escalated_at, $15 resolved_at
-- returns: id
UPDATE alerts
SET severity = $2, status = $3, title = $4, summary = $5, subject = $6, labels = $7, count = $8,
    last_at = $9, notified_count = $10, first_notified_at = $11, last_notified_at = $12,
    notified_channels = $13, escalated_at = $14, resolved_at = $15
WHERE id = $1
RETURNING id;
