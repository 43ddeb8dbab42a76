-- list_open_alerts.sql — every firing alert, locked for the evaluation that updates them.
-- params: none
-- returns: alerts rows
SELECT * FROM alerts WHERE status = 'firing' ORDER BY id FOR UPDATE;
