-- list_job_logs.sql — a job's stored log lines, oldest first.
-- params: $1 job id bigint
-- returns: attempt, at, level, message, data
SELECT attempt, at, level, message, data FROM job_logs WHERE job_id = $1 ORDER BY id;
