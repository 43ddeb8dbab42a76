-- lock_alert_cursor.sql — lock the event rules' cursor for this evaluation (creating it at the
-- start of time on the first pass), so evaluations on two nodes run one after the other.
-- params: $1 name text
-- returns: one row, position_at timestamptz, position_id bigint
WITH created AS (
  INSERT INTO alert_cursors (name, position_at, position_id)
  VALUES ($1, '-infinity', 0)
  ON CONFLICT (name) DO NOTHING
)
SELECT position_at, position_id FROM alert_cursors WHERE name = $1 FOR UPDATE;
