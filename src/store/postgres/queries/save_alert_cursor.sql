-- save_alert_cursor.sql — move the event rules' cursor past what this evaluation read.
-- params: $1 name text, $2 position_at timestamptz, $3 position_id bigint
-- returns: nothing
UPDATE alert_cursors SET position_at = $2, position_id = $3 WHERE name = $1;
