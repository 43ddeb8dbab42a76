-- 0006_steps_and_flow_states.sql — memoized steps of a job (ctx.step), results recorded by
-- tf.once(), and the job states that sagas and dependencies between jobs move through.

-- waiting: enqueued with dependencies not yet finished (not claimable until released).
-- compensating → compensated | compensation_failed: a saga undoing its completed steps.
ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
  CHECK (state IN ('waiting', 'queued', 'running', 'succeeded', 'dead', 'cancelled', 'skipped',
                   'compensating', 'compensated', 'compensation_failed'));

-- Retention also prunes sagas that finished compensating.
DROP INDEX jobs_finished;
CREATE INDEX jobs_finished ON jobs (finished_at)
  WHERE state IN ('succeeded', 'cancelled', 'skipped', 'dead', 'compensated', 'compensation_failed');

-- One row per completed step of a job: a retry returns `result` instead of running the step
-- again. Written only by the attempt holding the job (`fence` is the attempt that wrote it).
CREATE TABLE job_steps (
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  name text NOT NULL,
  fence integer NOT NULL,
  result jsonb NOT NULL,
  completed_at timestamptz NOT NULL,
  PRIMARY KEY (job_id, name)
);

-- tf.once(key, fn): a key's result, kept until `expires_at`. While `result_json` is null an
-- owner is running fn; its claim lapses at `lease_expires_at` so a crashed owner does not hold
-- the key forever. `owner` is a token unique to one call: only that call may record the result.
CREATE TABLE once_results (
  key text PRIMARY KEY,
  owner text NOT NULL,
  lease_expires_at timestamptz NOT NULL,
  result_json jsonb,
  completed_at timestamptz,
  expires_at timestamptz NOT NULL
);
CREATE INDEX once_results_by_expiry ON once_results (expires_at);
