-- get_alert.sql — one alert.
-- params: $1 id bigint
-- returns: the alerts row
SELECT * FROM alerts WHERE id = $1;
