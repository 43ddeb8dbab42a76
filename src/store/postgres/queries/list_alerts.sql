-- list_alerts.sql — alerts, the latest activity first; $1 null for every status.
-- params: $1 status text, $2 limit int
-- returns: alerts rows
SELECT * FROM alerts WHERE ($1::text IS NULL OR status = $1) ORDER BY last_at DESC, id DESC LIMIT $2;
