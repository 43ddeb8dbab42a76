-- get_job.sql — one job by id.
-- params: $1 job id bigint
-- returns: the job, or nothing
SELECT * FROM jobs WHERE id = $1;
