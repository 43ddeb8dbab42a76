-- mark_saga.sql — before a saga's first step runs in an attempt, record on the job how many
-- attempts compensating it may take: from then on a failure for good (or the reaper) compensates it.
-- params: $1 job id bigint, $2 fence int, $3 compensation_max_attempts int
-- returns: one row if this attempt holds the job
UPDATE jobs SET compensation_max_attempts = $3
WHERE id = $1 AND attempt = $2 AND state = 'running'
RETURNING id;
