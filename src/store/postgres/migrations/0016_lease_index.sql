-- 0016_lease_index.sql — the lease index is used only through a condition on the lease's expiry.
-- Every running job holds a lease (a claim sets lease_expires_at with state), so it covers the
-- same rows. Its old predicate (state = 'running' alone) was implied by every statement that
-- finishes running jobs by id: the planner, seeing few running rows in its statistics, then
-- scanned the whole index (every running job, and the dead entries of those finished since the
-- last vacuum) for each batch of completions instead of looking the ids up by primary key.
DROP INDEX jobs_leases;
CREATE INDEX jobs_leases ON jobs (lease_expires_at) WHERE state = 'running' AND lease_expires_at IS NOT NULL;
