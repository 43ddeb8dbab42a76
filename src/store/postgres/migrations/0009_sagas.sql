-- 0009_sagas.sql — sagas: a job that failed for good undoes its completed steps, newest first,
-- in the state `compensating`, with a budget of attempts of its own.

-- Set by every attempt of a saga before its first step runs: how many attempts compensating may
-- take. A job with completed steps and this column set is compensated when it fails for good
-- (also when its last attempt's worker died); without it, a failed job goes dead as any other.
ALTER TABLE jobs ADD COLUMN compensation_max_attempts integer;

-- Compensations waiting for a worker (a leased one has lease_owner set).
CREATE INDEX jobs_compensations_due ON jobs (task, run_at)
  WHERE state = 'compensating' AND lease_owner IS NULL;
-- The reaper's view of compensations whose worker stopped renewing its lease.
CREATE INDEX jobs_compensation_leases ON jobs (lease_expires_at)
  WHERE state = 'compensating' AND lease_owner IS NOT NULL;

-- The order steps were recorded in: a run's page lists a saga's steps, then its compensations
-- newest first, in this order (completed_at alone ties within one clock tick).
ALTER TABLE job_steps ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
