-- prune_nodes.sql — forget nodes not seen since $1 (they died without removing their row).
-- params: $1 cutoff timestamptz
-- returns: one row, pruned bigint
WITH pruned AS (DELETE FROM nodes WHERE last_seen_at < $1 RETURNING 1)
SELECT count(*) AS pruned FROM pruned;
