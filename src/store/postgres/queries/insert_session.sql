-- insert_session.sql — a new dashboard session (expired ones are deleted on the way).
-- params: $1 id_sha256 text, $2 token_id text, $3 now timestamptz, $4 expires_at timestamptz
-- returns: nothing
WITH expired AS (DELETE FROM sessions WHERE expires_at < $3)
INSERT INTO sessions (id_sha256, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4);
