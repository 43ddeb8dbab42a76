-- prune_idempotency_keys.sql — retention: delete up to $2 idempotency keys whose window ended by $1.
-- A key another transaction holds (an enqueue taking it anew) is skipped for a later pass.
-- params: $1 now timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM idempotency_keys
  WHERE key IN (
    SELECT key FROM idempotency_keys
    WHERE expires_at <= $1
    ORDER BY expires_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  )
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
