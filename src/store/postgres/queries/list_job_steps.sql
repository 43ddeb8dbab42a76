-- list_job_steps.sql — the completed steps of a job, oldest first.
-- params: $1 job id bigint
-- returns: name, fence, result, completed_at
SELECT name, fence, result, completed_at FROM job_steps WHERE job_id = $1 ORDER BY completed_at, name;
