-- append_job_log.sql — store a log line of an attempt, only while that attempt holds the job.
-- params: $1 job id bigint, $2 fence int, $3 now timestamptz, $4 level text, $5 message text, $6 data jsonb
-- returns: one row if written
INSERT INTO job_logs (job_id, attempt, at, level, message, data)
SELECT j.id, j.attempt - j.attempt_base, $3, $4, $5, $6
FROM jobs j WHERE j.id = $1 AND j.attempt = $2
  AND (j.state = 'running' OR (j.state = 'compensating' AND j.lease_owner IS NOT NULL))
RETURNING id;
