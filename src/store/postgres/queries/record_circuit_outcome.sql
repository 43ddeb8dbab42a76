-- record_circuit_outcome.sql — count one finished attempt against its circuit breaker: a success
-- closes it; a failure opens it after $5 in a row, or at once when it was the half-open probe.
-- params: $1 breaker text, $2 task text, $3 succeeded boolean, $4 now timestamptz,
--         $5 consecutive_failures threshold int, $6 open_for_ms int, $7 error jsonb (null on success)
-- returns: one row, previous_state text (null: the breaker is new), state text, consecutive_failures int
WITH previous AS (
  SELECT state FROM circuit_breakers WHERE breaker = $1
),
recorded AS (
  INSERT INTO circuit_breakers AS b (breaker, task, state, consecutive_failures, opened_at, retry_at, last_error, updated_at)
  VALUES ($1, $2,
          CASE WHEN NOT $3 AND $5 <= 1 THEN 'open' ELSE 'closed' END,
          CASE WHEN $3 THEN 0 ELSE 1 END,
          CASE WHEN NOT $3 AND $5 <= 1 THEN $4::timestamptz END,
          CASE WHEN NOT $3 AND $5 <= 1 THEN $4::timestamptz + make_interval(secs => $6 / 1000.0) END,
          $7, $4)
  ON CONFLICT (breaker) DO UPDATE SET
    task = $2,
    consecutive_failures = CASE WHEN $3 THEN 0 ELSE b.consecutive_failures + 1 END,
    -- opening: from closed at the threshold, or a failed probe; an open breaker stays as it is
    state = CASE WHEN $3 THEN 'closed'
                 WHEN b.state = 'half_open' OR (b.state = 'closed' AND b.consecutive_failures + 1 >= $5) THEN 'open'
                 ELSE b.state END,
    opened_at = CASE WHEN $3 THEN NULL
                     WHEN b.state = 'half_open' OR (b.state = 'closed' AND b.consecutive_failures + 1 >= $5) THEN $4
                     ELSE b.opened_at END,
    retry_at = CASE WHEN $3 THEN NULL
                    WHEN b.state = 'half_open' OR (b.state = 'closed' AND b.consecutive_failures + 1 >= $5)
                      THEN $4::timestamptz + make_interval(secs => $6 / 1000.0)
                    ELSE b.retry_at END,
    probe_job_id = CASE WHEN $3 OR b.state = 'half_open' THEN NULL ELSE b.probe_job_id END,
    last_error = coalesce($7, b.last_error),
    updated_at = $4
  RETURNING b.state, b.consecutive_failures
)
SELECT (SELECT state FROM previous) AS previous_state, recorded.state, recorded.consecutive_failures
FROM recorded;
