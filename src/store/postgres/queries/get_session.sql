-- get_session.sql — a live session with its token (not expired, token not revoked).
-- params: $1 id_sha256 text, $2 now timestamptz
-- returns: token_id, label, role, expires_at; or nothing
SELECT t.id AS token_id, t.label, t.role, s.expires_at
FROM sessions s JOIN api_tokens t ON t.id = s.token_id
WHERE s.id_sha256 = $1 AND s.expires_at > $2 AND t.revoked_at IS NULL;
