-- revoke_api_token.sql — revoke a token; revoking twice keeps the first revocation.
-- params: $1 id text, $2 now timestamptz, $3 revoked_by text
-- returns: the token row, or nothing when there is no such token
UPDATE api_tokens
SET revoked_at = coalesce(revoked_at, $2), revoked_by = coalesce(revoked_by, $3)
WHERE id = $1
RETURNING *;
