-- insert_job_dependencies.sql — record the edges of newly enqueued waiting jobs, and mark each
-- dependency as having dependents (so its finishing write knows to resolve them).
-- params: $1 edges jsonb (array of {job_id, depends_on, on_failure, name})
-- returns: one row, edges bigint
WITH edges AS (
  INSERT INTO job_dependencies (job_id, depends_on, on_failure, name)
  SELECT e.job_id, e.depends_on, e.on_failure, e.name
  FROM jsonb_to_recordset($1::jsonb) AS e(job_id bigint, depends_on bigint, on_failure text, name text)
  ON CONFLICT (job_id, depends_on) DO NOTHING
  RETURNING depends_on
),
marked AS (
  UPDATE jobs SET has_dependents = true
  WHERE id IN (SELECT depends_on FROM edges) AND NOT has_dependents
  RETURNING 1
)
SELECT count(*) AS edges FROM edges LEFT JOIN (SELECT count(*) FROM marked) m ON true;
