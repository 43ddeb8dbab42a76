-- get_maintenance_lease.sql — who holds lease $1 (expired or not), for the dashboard and tests.
-- params: $1 name text
-- returns: holder, fence, expires_at; no row when the lease was never taken or was released
SELECT holder, fence, expires_at FROM maintenance_lease WHERE name = $1 AND holder IS NOT NULL;
