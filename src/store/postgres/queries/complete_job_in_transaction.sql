-- complete_job_in_transaction.sql — mark one attempt succeeded inside the handler's transaction.
-- params: $1 job id bigint, $2 fence int, $3 result jsonb, $4 now timestamptz
-- returns: one row if accepted: id, has_dependents
UPDATE jobs
SET state = 'succeeded', result = $3, finished_at = $4, updated_at = $4, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND attempt = $2 AND state = 'running'
RETURNING id, has_dependents;
