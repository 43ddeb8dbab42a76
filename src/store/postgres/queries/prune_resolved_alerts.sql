-- prune_resolved_alerts.sql — retention: delete up to $2 alerts resolved before $1, oldest first.
-- Firing alerts (acknowledged or not) are never deleted. An alert that still has an outbox
-- message is kept: a pending one (its resolution still being delivered) must not be lost, and
-- finished ones are deleted first by prune_alert_outbox, so no delete here cascades.
-- params: $1 cutoff timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM alerts
  WHERE id IN (
    SELECT a.id FROM alerts a
    WHERE a.status = 'resolved' AND a.resolved_at < $1
      AND NOT EXISTS (SELECT 1 FROM alert_outbox o WHERE o.alert_id = a.id)
    ORDER BY a.resolved_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
