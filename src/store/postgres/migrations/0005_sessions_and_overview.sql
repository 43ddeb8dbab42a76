-- 0005_sessions_and_overview.sql — dashboard sign-in sessions, and an index for the overview's
-- fire lateness.

-- A session is created by signing in with an API token and lasts until it expires, is signed
-- out, or its token is revoked. Only the SHA-256 of the cookie's secret is stored.
CREATE TABLE sessions (
  id_sha256 text PRIMARY KEY,
  token_id text NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
