-- claim_limited_jobs.sql — the limited claim, statement 3 of 3: lease the candidates (locked by this
-- transaction) that their concurrency keys and rate-limit buckets still have room for, and that
-- their circuit breakers let through: all of a closed one's, one probe of an open one whose time
-- has come (which makes it half-open). A half-open breaker lets no other probe through while its
-- probe runs, nor just after: the worker writes the probe job's outcome, then counts it against
-- the breaker (which opens or closes it), and a claim in between must not see a free breaker. So
-- it also holds while the probe has finished less than a lease ($3) ago, or waits for its retry.
-- A probe given back (released, or taken back from a dead worker) frees it at once. Its snapshot
-- is taken after statement 2 got the keys' locks, so it sees every claim that held them before.
-- params: $1 worker_id text, $2 now timestamptz, $3 lease_ms int, $4 candidate ids bigint[],
--         $5 tasks text[], $6 key_limits int[], $7 rate_max int[] (null entries: none),
--         $8 rate_per_ms int[], $9 task_max_attempts int[], $10 task_timeout_ms int[] (null entries: none),
--         $11 notify channel text, $12 breakers boolean[] (the task has a circuit breaker)
-- returns: the claimed jobs, attempt already incremented (it is the fencing token)
-- Each claim under a rate limit records a grant that counts against its bucket for one window.
WITH wanted AS (
  SELECT * FROM unnest($5::text[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $12::boolean[])
    AS w(task, key_limit, rate_max, rate_per_ms, max_attempts, timeout_ms, has_breaker)
),
candidates AS (
  SELECT j.id, j.priority, j.run_at, j.concurrency_key, w.key_limit, w.rate_max, w.rate_per_ms,
         w.max_attempts, w.timeout_ms,
         CASE WHEN w.rate_max IS NOT NULL THEN coalesce('key:' || j.rate_limit_key, 'task:' || j.task) END AS bucket,
         CASE WHEN w.has_breaker THEN coalesce('key:' || j.circuit_key, 'task:' || j.task) END AS breaker
  FROM jobs j JOIN wanted w ON w.task = j.task
  WHERE j.id = ANY ($4::bigint[]) AND j.state = 'queued'
),
ranked AS (
  SELECT c.*,
         row_number() OVER (PARTITION BY c.concurrency_key ORDER BY c.priority DESC, c.run_at, c.id) AS key_rank,
         row_number() OVER (PARTITION BY c.bucket ORDER BY c.priority DESC, c.run_at, c.id) AS bucket_rank,
         row_number() OVER (PARTITION BY c.breaker ORDER BY c.priority DESC, c.run_at, c.id) AS breaker_rank
  FROM candidates c
),
allowed AS MATERIALIZED (
  SELECT r.* FROM ranked r
  WHERE (r.concurrency_key IS NULL
         OR r.key_rank + (SELECT count(*) FROM jobs x
                          WHERE x.concurrency_key = r.concurrency_key AND x.state = 'running') <= r.key_limit)
    AND (r.bucket IS NULL
         OR r.bucket_rank + (SELECT count(*) FROM rate_limit_grants g
                             WHERE g.bucket = r.bucket AND g.expires_at > $2) <= r.rate_max)
    AND (r.breaker IS NULL
         OR coalesce((SELECT CASE WHEN b.state = 'closed' THEN true
                                  WHEN b.state = 'open' AND b.retry_at > $2 THEN false
                                  WHEN b.state = 'half_open'
                                   AND EXISTS (SELECT 1 FROM jobs p
                                               WHERE p.id = b.probe_job_id
                                                 AND (p.state = 'running'
                                                      OR p.finished_at > $2::timestamptz - make_interval(secs => $3 / 1000.0)
                                                      OR (p.state = 'queued' AND p.run_at > $2)))
                                    THEN false
                                  ELSE r.breaker_rank = 1 END
                      FROM circuit_breakers b WHERE b.breaker = r.breaker), true))
),
claimed AS (
UPDATE jobs j
SET state = 'running',
    attempt = j.attempt + 1,
    max_attempts = coalesce(j.max_attempts, c.max_attempts),
    timeout_ms = coalesce(j.timeout_ms, c.timeout_ms),
    lease_owner = $1,
    lease_expires_at = $2::timestamptz + make_interval(secs => $3 / 1000.0),
    started_at = $2,
    updated_at = $2
FROM allowed c
WHERE j.id = c.id
RETURNING j.*
),
granted AS (
  INSERT INTO rate_limit_grants (bucket, job_id, granted_at, expires_at)
  SELECT a.bucket, a.id, $2, $2::timestamptz + make_interval(secs => a.rate_per_ms / 1000.0)
  FROM allowed a WHERE a.bucket IS NOT NULL
),
probes AS (
  UPDATE circuit_breakers b SET state = 'half_open', probe_job_id = a.id, updated_at = $2
  FROM allowed a
  WHERE a.breaker = b.breaker AND b.state <> 'closed'
),
replaced AS (
  UPDATE jobs r SET cancel_requested_at = $2, updated_at = $2
  -- Usually no claimed occurrence replaces a run: the uncorrelated EXISTS is a one-time filter
  -- that then skips the scan. Joined to the claimed rows instead, the planner may compare every
  -- running job with every claimed one (milliseconds per claim with hundreds of each).
  WHERE EXISTS (SELECT 1 FROM claimed c WHERE c.overlap = 'replace')
    AND r.schedule_id = ANY (ARRAY(SELECT c.schedule_id FROM claimed c WHERE c.overlap = 'replace'))
    AND r.state = 'running' AND r.cancel_requested_at IS NULL
    AND r.id <> ALL (ARRAY(SELECT c.id FROM claimed c WHERE c.overlap = 'replace'))
  RETURNING r.id
),
notified AS (
  SELECT count(pg_notify($11, 'cancel:' || replaced.id::text)) AS sent FROM replaced
)
SELECT claimed.* FROM claimed CROSS JOIN notified;
