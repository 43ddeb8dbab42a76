-- active_alert_silences.sql — silences in force at $1.
-- params: $1 now timestamptz
-- returns: alert_silences rows
SELECT * FROM alert_silences WHERE ends_at > $1 AND starts_at <= $1 ORDER BY id;
