-- get_once.sql — the state of an idempotency key of tf.once.
-- params: $1 key text
-- returns: owner, lease_expires_at, result_json (null while running), completed_at, expires_at
SELECT owner, lease_expires_at, result_json, completed_at, expires_at FROM once_results WHERE key = $1;
