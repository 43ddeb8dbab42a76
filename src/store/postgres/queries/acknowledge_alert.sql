-- acknowledge_alert.sql — a person took an alert: its escalation stops. A second acknowledgement keeps the first.
-- params: $1 id bigint, $2 by text, $3 now timestamptz
-- returns: the alerts row (none if there is no such alert)
UPDATE alerts
SET acknowledged_at = coalesce(acknowledged_at, $3), acknowledged_by = coalesce(acknowledged_by, $2)
WHERE id = $1
RETURNING *;
