-- insert_api_token.sql — a new API token (its secret's hash only).
-- params: $1 id text, $2 label text, $3 role text, $4 secret_sha256 text, $5 now timestamptz, $6 created_by text
-- returns: the token row
INSERT INTO api_tokens (id, label, role, secret_sha256, created_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING *;
