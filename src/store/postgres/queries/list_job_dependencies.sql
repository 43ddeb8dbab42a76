-- list_job_dependencies.sql — the edges around one job: what it depends on (direction
-- 'dependency') and what depends on it ('dependent'), each with the other job's state and result.
-- params: $1 job id bigint
-- returns: direction, job_id, name, on_failure, task, state, result, finished_at
SELECT 'dependency' AS direction, d.depends_on AS job_id, d.name, d.on_failure,
       p.task, p.state, p.result, p.finished_at
FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
WHERE d.job_id = $1
UNION ALL
SELECT 'dependent', d.job_id, d.name, d.on_failure, c.task, c.state, c.result, c.finished_at
FROM job_dependencies d JOIN jobs c ON c.id = d.job_id
WHERE d.depends_on = $1
ORDER BY 1, 2;
