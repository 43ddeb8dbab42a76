-- next_rate_limit_expiry.sql — when the next rate-limit grant runs out, so a worker holding back
-- rate-limited jobs wakes as a window frees (any bucket: a spare wake-up claims nothing).
-- params: $1 after timestamptz
-- returns: one row, expires_at timestamptz (null: no grant in force)
SELECT min(expires_at) AS expires_at FROM rate_limit_grants WHERE expires_at > $1;
