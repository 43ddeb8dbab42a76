-- record_job_step.sql — record a completed step, only while this attempt holds the job. A step
-- already recorded is kept as it is (the first record wins; a retry never overwrites it).
-- params: $1 job id bigint, $2 fence int, $3 name text, $4 result jsonb, $5 now timestamptz
-- returns: one row if this attempt holds the job (whether or not the row was new)
WITH held AS (
  SELECT id FROM jobs WHERE id = $1 AND attempt = $2
    AND (state = 'running' OR (state = 'compensating' AND lease_owner IS NOT NULL))
),
recorded AS (
  INSERT INTO job_steps (job_id, name, fence, result, completed_at)
  SELECT id, $3, $2, $4, $5 FROM held
  ON CONFLICT (job_id, name) DO NOTHING
  RETURNING job_id
)
SELECT id FROM held;
