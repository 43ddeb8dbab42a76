-- prune_alert_silences.sql — retention: delete up to $2 silences (made through the API) that
-- ended before $1, oldest first. A silence in force or still to come is never deleted.
-- params: $1 cutoff timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM alert_silences
  WHERE id IN (
    SELECT id FROM alert_silences
    WHERE ends_at < $1
    ORDER BY ends_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
