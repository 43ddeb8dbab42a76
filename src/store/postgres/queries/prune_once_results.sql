-- prune_once_results.sql — retention: delete up to $2 tf.once keys that no longer hold anything:
-- results past their expiry, and claims whose owner stopped renewing them.
-- params: $1 now timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM once_results
  WHERE key IN (
    SELECT key FROM once_results
    WHERE (completed_at IS NOT NULL AND expires_at < $1) OR (completed_at IS NULL AND lease_expires_at < $1)
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
