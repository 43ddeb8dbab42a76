-- insert_alert.sql — open a new alert.
-- params: $1 rule, $2 group_key, $3 kind, $4 base_severity, $5 severity, $6 status, $7 title,
--         $8 summary, $9 subject jsonb, $10 labels jsonb, $11 count, $12 first_at, $13 last_at,
--         $14 notified_count, $15 first_notified_at, $16 last_notified_at, $17 notified_channels text[],
--         $18 escalated_at, $19 resolved_at
-- returns: id
INSERT INTO alerts (rule, group_key, kind, base_severity, severity, status, title, summary, subject, labels,
                    count, first_at, last_at, notified_count, first_notified_at, last_notified_at,
                    notified_channels, escalated_at, resolved_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
RETURNING id;
