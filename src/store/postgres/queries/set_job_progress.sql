-- set_job_progress.sql — record an attempt's progress, only while that attempt holds the job.
-- params: $1 job id bigint, $2 fence int, $3 progress jsonb, $4 now timestamptz
-- returns: one row if written
UPDATE jobs SET progress = $3, updated_at = $4
WHERE id = $1 AND attempt = $2
  AND (state = 'running' OR (state = 'compensating' AND lease_owner IS NOT NULL))
RETURNING id;
