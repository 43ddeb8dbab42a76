-- list_circuit_breakers.sql — every circuit breaker, open ones first.
-- params: none
-- returns: breaker, task, state, consecutive_failures, opened_at, retry_at, probe_job_id, last_error, updated_at
SELECT breaker, task, state, consecutive_failures, opened_at, retry_at, probe_job_id, last_error, updated_at
FROM circuit_breakers
ORDER BY state = 'closed', breaker;
