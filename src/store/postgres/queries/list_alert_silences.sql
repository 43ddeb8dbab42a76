-- list_alert_silences.sql — every silence, the latest ending first.
-- params: none
-- returns: alert_silences rows
SELECT * FROM alert_silences ORDER BY ends_at DESC, id DESC;
