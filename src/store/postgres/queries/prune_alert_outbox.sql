-- prune_alert_outbox.sql — retention: delete up to $2 outbox messages delivered or given up
-- (`failed`) before $1, oldest first, whatever their alert's state; their delivery records go
-- with them (ON DELETE CASCADE). Pending messages are never deleted, however old. Rows another
-- transaction holds (a deliverer recording an outcome) are skipped for a later pass.
-- params: $1 cutoff timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM alert_outbox
  WHERE id IN (
    SELECT id FROM alert_outbox
    WHERE status IN ('delivered', 'failed') AND finished_at < $1
    ORDER BY finished_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
