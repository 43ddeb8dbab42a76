-- complete_once.sql — record the result of tf.once's function, only for the call holding the key.
-- params: $1 key text, $2 owner text, $3 result jsonb, $4 now timestamptz, $5 ttl_ms bigint
-- returns: one row if recorded
UPDATE once_results
SET result_json = $3, completed_at = $4, expires_at = $4::timestamptz + make_interval(secs => $5 / 1000.0)
WHERE key = $1 AND owner = $2 AND completed_at IS NULL
RETURNING key;
