-- get_api_token.sql — one token by its public id.
-- params: $1 id text
-- returns: the token row, or nothing
SELECT * FROM api_tokens WHERE id = $1;
