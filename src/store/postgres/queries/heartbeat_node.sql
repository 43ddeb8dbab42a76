-- heartbeat_node.sql — record that a node is alive (insert its row on its first beat).
-- params: $1 id text, $2 host text, $3 pid int, $4 version text, $5 started_at timestamptz,
--         $6 now timestamptz, $7 clock_skew_ms int
-- returns: nothing
INSERT INTO nodes (id, host, pid, version, started_at, last_seen_at, clock_skew_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE
SET host = excluded.host, pid = excluded.pid, version = excluded.version, started_at = excluded.started_at,
    last_seen_at = excluded.last_seen_at, clock_skew_ms = excluded.clock_skew_ms;
