-- next_claim_limit_change.sql — the next moment a claim limit lets more through: a rate-limit
-- grant runs out (a window frees) or an open circuit breaker's probe time comes. A worker holding
-- back limited jobs wakes then (any bucket or breaker: a spare wake-up claims nothing).
-- params: $1 after timestamptz
-- returns: one row, at timestamptz (null: nothing pending)
SELECT least(
  (SELECT min(expires_at) FROM rate_limit_grants WHERE expires_at > $1),
  (SELECT min(retry_at) FROM circuit_breakers WHERE state = 'open' AND retry_at > $1)
) AS at;
