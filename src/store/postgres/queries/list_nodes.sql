-- list_nodes.sql — every registered node, the longest-running first.
-- params: none
-- returns: the nodes rows
SELECT id, host, pid, version, started_at, last_seen_at, clock_skew_ms FROM nodes ORDER BY started_at, id;
