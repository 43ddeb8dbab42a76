-- claim_limited_candidates.sql — the limited claim, statement 1 of 3 (one transaction): lock up to
-- $7 due jobs that a concurrency key or a rate limit governs, passing over keys and buckets already
-- full by this statement's snapshot. Statement 3 counts again under the keys' locks.
-- params: $1 now timestamptz, $2 tasks text[], $3 task_limits int[], $4 key_limits int[],
--         $5 rate_max int[] (null entries: the task has no rate limit), $6 queues text[] (null: every
--         queue), $7 limit int
-- returns: id, concurrency_key, bucket (its rate-limit bucket; null when the task has no rate limit)
WITH wanted AS (
  SELECT w.*,
         -- a task's own bucket, counted once rather than for every job in it
         (w.rate_max IS NULL OR (SELECT count(*) FROM rate_limit_grants g
                                 WHERE g.bucket = 'task:' || w.task AND g.expires_at > $1) < w.rate_max) AS task_open
  FROM unnest($2::text[], $3::int[], $4::int[], $5::int[]) AS w(task, task_limit, key_limit, rate_max)
)
SELECT c.id, c.concurrency_key, c.bucket
FROM wanted w
CROSS JOIN LATERAL (
  SELECT j.id, j.priority, j.run_at, j.concurrency_key,
         CASE WHEN w.rate_max IS NOT NULL THEN coalesce('key:' || j.rate_limit_key, 'task:' || j.task) END AS bucket
  FROM jobs j
  WHERE j.task = w.task AND j.state = 'queued' AND j.run_at <= $1
    AND (w.rate_max IS NOT NULL OR j.concurrency_key IS NOT NULL)
    AND ($6::text[] IS NULL OR j.queue = ANY ($6::text[]))
    AND (j.overlap IS NULL OR j.overlap = 'replace'
         OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.schedule_id = j.schedule_id AND r.state = 'running'))
    AND (j.concurrency_key IS NULL
         OR (SELECT count(*) FROM jobs r
             WHERE r.concurrency_key = j.concurrency_key AND r.state = 'running') < w.key_limit)
    AND (w.rate_max IS NULL
         OR CASE WHEN j.rate_limit_key IS NULL THEN w.task_open
                 ELSE (SELECT count(*) FROM rate_limit_grants g
                       WHERE g.bucket = 'key:' || j.rate_limit_key AND g.expires_at > $1) < w.rate_max END)
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT w.task_limit
  FOR UPDATE OF j SKIP LOCKED
) c
ORDER BY c.priority DESC, c.run_at, c.id
LIMIT $7;
