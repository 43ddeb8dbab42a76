-- acquire_maintenance_lease.sql — take lease $1 for $2 if it is free or expired (the fence goes up
-- by one: a new tenure), or renew it if $2 already holds it (same fence). One statement: two
-- nodes racing for a free lease conflict on the primary key and only one of them gets a row back.
-- params: $1 name text, $2 holder text, $3 now timestamptz, $4 expires_at timestamptz
-- returns: one row, fence bigint, when $2 holds the lease now; no row when another holder does
INSERT INTO maintenance_lease AS l (name, holder, fence, expires_at)
VALUES ($1, $2, 1, $4)
ON CONFLICT (name) DO UPDATE
SET holder = excluded.holder,
    fence = CASE WHEN l.holder = excluded.holder THEN l.fence ELSE l.fence + 1 END,
    expires_at = excluded.expires_at
WHERE l.holder IS NULL OR l.expires_at < $3 OR l.holder = $2
RETURNING l.fence;
