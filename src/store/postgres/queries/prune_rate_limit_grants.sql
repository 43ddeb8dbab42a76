-- prune_rate_limit_grants.sql — retention: delete up to $2 rate-limit grants whose window has passed.
-- params: $1 now timestamptz, $2 limit int
-- returns: one row, pruned bigint
WITH pruned AS (
  DELETE FROM rate_limit_grants
  WHERE ctid IN (SELECT ctid FROM rate_limit_grants WHERE expires_at <= $1 LIMIT $2)
  RETURNING 1
)
SELECT count(*) AS pruned FROM pruned;
