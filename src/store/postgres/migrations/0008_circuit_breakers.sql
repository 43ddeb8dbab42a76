-- 0008_circuit_breakers.sql — circuit breakers per task (or per key a task names), shared by all
-- nodes: while one is open, the jobs it guards stay queued; after its open time one probe runs.

-- The breaker of a job when not its task's own (see circuit_breakers.breaker).
ALTER TABLE jobs ADD COLUMN circuit_key text;

-- closed: jobs run. open: jobs wait until retry_at, then one probe is let through (half_open,
-- probe_job_id); the probe's success closes the breaker, its failure opens it again.
-- `breaker` is 'task:<task>' or 'key:<key>'.
CREATE TABLE circuit_breakers (
  breaker text PRIMARY KEY,
  task text NOT NULL,
  state text NOT NULL CHECK (state IN ('closed', 'open', 'half_open')),
  consecutive_failures integer NOT NULL,
  opened_at timestamptz,
  retry_at timestamptz,
  probe_job_id bigint,
  last_error jsonb,
  updated_at timestamptz NOT NULL
);
CREATE INDEX circuit_breakers_retry ON circuit_breakers (retry_at) WHERE state = 'open';
