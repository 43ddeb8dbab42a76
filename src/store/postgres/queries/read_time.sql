-- read_time.sql — the database clock, for calibrating the engine's clock.
-- params: none
-- returns: one row, now_ms double precision
SELECT extract(epoch FROM clock_timestamp()) * 1000 AS now_ms;
