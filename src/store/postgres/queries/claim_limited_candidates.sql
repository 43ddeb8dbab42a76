-- claim_limited_candidates.sql — the limited claim, statement 1 of 3 (one transaction): lock up to
-- $7 due jobs that a concurrency key, a rate limit or a circuit breaker governs, passing over keys
-- and buckets already full and breakers open by this statement's snapshot. Statement 3 checks
-- again under the keys' locks.
-- params: $1 now timestamptz, $2 tasks text[], $3 task_limits int[], $4 key_limits int[],
--         $5 rate_max int[] (null entries: the task has no rate limit), $6 queues text[] (null: every
--         queue), $7 limit int, $8 breakers boolean[] (the task has a circuit breaker),
--         $9 lease_ms int (how long after its probe finished a half-open breaker waits for the outcome to be counted)
-- returns: id, concurrency_key, bucket (its rate-limit bucket; null when the task has no rate limit),
--          breaker (its circuit breaker; null when the task has none)
WITH wanted AS (
  SELECT w.*,
         -- a task's own bucket, counted once rather than for every job in it
         (w.rate_max IS NULL OR (SELECT count(*) FROM rate_limit_grants g
                                 WHERE g.bucket = 'task:' || w.task AND g.expires_at > $1) < w.rate_max) AS task_open
  FROM unnest($2::text[], $3::int[], $4::int[], $5::int[], $8::boolean[])
    AS w(task, task_limit, key_limit, rate_max, has_breaker)
)
SELECT c.id, c.concurrency_key, c.bucket, c.breaker
FROM wanted w
CROSS JOIN LATERAL (
  SELECT j.id, j.priority, j.run_at, j.concurrency_key,
         CASE WHEN w.rate_max IS NOT NULL THEN coalesce('key:' || j.rate_limit_key, 'task:' || j.task) END AS bucket,
         CASE WHEN w.has_breaker THEN coalesce('key:' || j.circuit_key, 'task:' || j.task) END AS breaker
  FROM jobs j
  WHERE j.task = w.task AND j.state = 'queued' AND j.run_at <= $1
    AND (w.rate_max IS NOT NULL OR w.has_breaker OR j.concurrency_key IS NOT NULL)
    AND ($6::text[] IS NULL OR j.queue = ANY ($6::text[]))
    AND (j.overlap IS NULL OR j.overlap = 'replace'
         OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.schedule_id = j.schedule_id AND r.schedule_id IS NOT NULL AND r.state = 'running'))
    AND (j.concurrency_key IS NULL
         OR (SELECT count(*) FROM jobs r
             WHERE r.concurrency_key = j.concurrency_key AND r.state = 'running') < w.key_limit)
    AND (w.rate_max IS NULL
         OR CASE WHEN j.rate_limit_key IS NULL THEN w.task_open
                 ELSE (SELECT count(*) FROM rate_limit_grants g
                       WHERE g.bucket = 'key:' || j.rate_limit_key AND g.expires_at > $1) < w.rate_max END)
    -- an open breaker holds its jobs until its probe time, a half-open one while its probe runs
    -- and until its outcome is counted (see claim_limited_jobs.sql)
    AND (NOT w.has_breaker
         OR NOT EXISTS (SELECT 1 FROM circuit_breakers b
                        WHERE b.breaker = coalesce('key:' || j.circuit_key, 'task:' || j.task)
                          AND ((b.state = 'open' AND b.retry_at > $1)
                               OR (b.state = 'half_open'
                                   AND EXISTS (SELECT 1 FROM jobs p
                                               WHERE p.id = b.probe_job_id
                                                 AND (p.state = 'running'
                                                      OR p.finished_at > $1::timestamptz - make_interval(secs => $9 / 1000.0)
                                                      OR (p.state = 'queued' AND p.run_at > $1)))))))
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT w.task_limit
  FOR UPDATE OF j SKIP LOCKED
) c
ORDER BY c.priority DESC, c.run_at, c.id
LIMIT $7;
