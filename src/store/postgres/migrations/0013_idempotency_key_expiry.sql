-- 0013_idempotency_key_expiry.sql — retention deletes idempotency keys whose window has passed
-- (an expired key no longer deduplicates anything: the next enqueue with it takes it anew), so
-- the table no longer grows with every keyed job ever enqueued. The index keeps each pass
-- bounded by the rows it deletes.
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
