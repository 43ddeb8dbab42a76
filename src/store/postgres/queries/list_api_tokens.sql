-- list_api_tokens.sql — every token, newest first (revoked ones included, marked).
-- params: none
-- returns: token rows
SELECT * FROM api_tokens ORDER BY created_at DESC, id;
