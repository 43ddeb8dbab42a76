-- renew_once.sql — extend the claim of the call running tf.once's function.
-- params: $1 key text, $2 owner text, $3 now timestamptz, $4 lease_ms int
-- returns: one row if the owner still holds the key
UPDATE once_results
SET lease_expires_at = $3::timestamptz + make_interval(secs => $4 / 1000.0)
WHERE key = $1 AND owner = $2 AND completed_at IS NULL
RETURNING key;
