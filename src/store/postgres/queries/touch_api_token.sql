-- touch_api_token.sql — record a token's use, at most once a minute.
-- params: $1 id text, $2 now timestamptz
-- returns: nothing
UPDATE api_tokens SET last_used_at = $2
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute');
