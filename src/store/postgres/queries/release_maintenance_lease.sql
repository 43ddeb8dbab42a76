-- release_maintenance_lease.sql — give lease $1 up so another node takes it at its next try,
-- without waiting for it to expire. Only the tenure ($2, $3) that holds it can release it; the
-- row stays, so the next holder's fence is still one higher.
-- params: $1 name text, $2 holder text, $3 fence bigint
-- returns: one row when the lease was released; no row when $2 no longer held it with fence $3
UPDATE maintenance_lease SET holder = NULL, expires_at = NULL
WHERE name = $1 AND holder = $2 AND fence = $3
RETURNING name;
