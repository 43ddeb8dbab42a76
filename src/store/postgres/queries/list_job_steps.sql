-- list_job_steps.sql — the completed steps of a job, in the order they were recorded.
-- params: $1 job id bigint
-- returns: name, fence, result, completed_at
SELECT name, fence, result, completed_at FROM job_steps WHERE job_id = $1 ORDER BY seq;
