-- 0007_claim_limits.sql — concurrency keys and rate limits, both enforced when a job is claimed.

-- Jobs sharing a concurrency key run at most the task's limit at once across the cluster.
ALTER TABLE jobs ADD COLUMN concurrency_key text;
-- The rate-limit bucket of a job when not its task's own (see rate_limit_grants).
ALTER TABLE jobs ADD COLUMN rate_limit_key text;

-- The unlimited claim path reads runnable rows without a key, the limited path those with one,
-- so neither scans the other's backlog.
DROP INDEX jobs_runnable;
CREATE INDEX jobs_runnable ON jobs (task, priority DESC, run_at, id)
  WHERE state = 'queued' AND concurrency_key IS NULL;
CREATE INDEX jobs_runnable_keyed ON jobs (task, priority DESC, run_at, id)
  WHERE state = 'queued' AND concurrency_key IS NOT NULL;
-- How many runs of a key are going: read under the key's claim lock.
CREATE INDEX jobs_running_by_key ON jobs (concurrency_key)
  WHERE state = 'running' AND concurrency_key IS NOT NULL;

-- One row per attempt started under a rate limit, counted against its bucket until `expires_at`
-- (start + the limit's interval): a sliding window. `bucket` is 'task:<task>' or 'key:<key>'.
CREATE TABLE rate_limit_grants (
  bucket text NOT NULL,
  job_id bigint NOT NULL,
  granted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX rate_limit_grants_by_bucket ON rate_limit_grants (bucket, expires_at);
CREATE INDEX rate_limit_grants_by_expiry ON rate_limit_grants (expires_at);
