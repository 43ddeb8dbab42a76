-- claim_once.sql — take an idempotency key for one call of tf.once, unless a result is in force
-- or another call's claim has not lapsed. A result past its expiry, or a claim past its lease
-- (the owner crashed), is taken over.
-- params: $1 key text, $2 owner text, $3 now timestamptz, $4 lease_ms int, $5 ttl_ms bigint
-- returns: one row when this owner holds the key now; none when the key is taken (read it with get_once)
INSERT INTO once_results AS o (key, owner, lease_expires_at, result_json, completed_at, expires_at)
VALUES ($1, $2, $3::timestamptz + make_interval(secs => $4 / 1000.0), NULL, NULL,
        $3::timestamptz + make_interval(secs => $5 / 1000.0))
ON CONFLICT (key) DO UPDATE
SET owner = excluded.owner, lease_expires_at = excluded.lease_expires_at, result_json = NULL,
    completed_at = NULL, expires_at = excluded.expires_at
WHERE (o.completed_at IS NOT NULL AND o.expires_at <= $3)
   OR (o.completed_at IS NULL AND o.lease_expires_at <= $3)
RETURNING owner;
