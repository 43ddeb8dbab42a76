-- claim_jobs.sql — lock and lease up to $9 runnable jobs for worker $1, at most task_limit per task:
-- the unlimited path, for jobs without a concurrency key of tasks without a rate limit.
-- params: $1 worker_id text, $2 now timestamptz, $3 lease_ms int, $4 tasks text[], $5 task_limits int[],
--         $6 task_max_attempts int[], $7 task_timeout_ms int[] (null entries: none),
--         $8 queues text[] (null: every queue), $9 limit int, $10 notify channel text,
--         $11 due_by timestamptz (>= $2: jobs due by then are claimed, held by the worker until due)
-- returns: the claimed jobs, attempt already incremented (it is the fencing token), each with
--          keyed_due; with none claimed, one row of nulls carrying keyed_due: whether jobs with a
--          concurrency key are due for these tasks (the store then runs the limited claim too)
-- Claiming an occurrence of a `replace` schedule asks that schedule's running run to stop.
WITH wanted AS (
  SELECT * FROM unnest($4::text[], $5::int[], $6::int[], $7::int[]) AS w(task, task_limit, max_attempts, timeout_ms)
),
candidates AS (
  SELECT c.id
  FROM wanted w
  CROSS JOIN LATERAL (
    SELECT j.id, j.priority, j.run_at
    FROM jobs j
    WHERE j.task = w.task AND j.state = 'queued' AND j.concurrency_key IS NULL AND j.run_at <= $11
      -- an occurrence that replaces its schedule's running run is claimed only once due: its claim stops that run
      AND (j.run_at <= $2 OR j.overlap IS DISTINCT FROM 'replace')
      AND ($8::text[] IS NULL OR j.queue = ANY ($8::text[]))
      -- overlap policy, decided at claim: an occurrence of a schedule whose run is still going waits
      AND (j.overlap IS NULL OR j.overlap = 'replace'
           OR NOT EXISTS (SELECT 1 FROM jobs r WHERE r.schedule_id = j.schedule_id AND r.schedule_id IS NOT NULL AND r.state = 'running'))
    ORDER BY j.priority DESC, j.run_at, j.id
    LIMIT w.task_limit
    FOR UPDATE SKIP LOCKED
  ) c
  ORDER BY c.priority DESC, c.run_at, c.id
  LIMIT $9
),
claimed AS (
UPDATE jobs j
SET state = 'running',
    attempt = j.attempt + 1,
    max_attempts = coalesce(j.max_attempts, w.max_attempts),
    timeout_ms = coalesce(j.timeout_ms, w.timeout_ms),
    lease_owner = $1,
    lease_expires_at = $2::timestamptz + make_interval(secs => $3 / 1000.0),
    -- claimed ahead of its due time, a job starts then: its start is not recorded before it
    started_at = greatest($2::timestamptz, j.run_at),
    updated_at = $2
FROM wanted w
-- by primary key: joined to the candidates instead, the planner may hash the whole table
WHERE j.id = ANY (ARRAY(SELECT c.id FROM candidates c)) AND w.task = j.task
-- what a claimed job is made of (job-rows.ts toLeasedJob), not j.*: every column returned is
-- parsed for hundreds of rows per claim. Not returned: the full error history (`errors`), and
-- what this statement set from its parameters (state, lease owner and expiry, started_at; a
-- running job has no finished_at), which the caller fills in.
RETURNING j.id, j.task, j.queue, j.payload, j.priority, j.run_at, j.attempt, j.attempt_base,
          j.max_attempts, j.timeout_ms, j.retry, j.tags, j.idempotency_key, j.concurrency_key,
          j.rate_limit_key, j.circuit_key, j.cancel_requested_at,
          j.schedule_id, j.fire_at, j.overlap, j.trace_context, j.progress, j.result, j.last_error,
          j.created_at
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
  SELECT count(pg_notify($10, 'cancel:' || replaced.id::text)) AS sent FROM replaced
),
-- Whether jobs with a concurrency key are due for these tasks (one index probe per task).
keyed_due AS (
  SELECT EXISTS (
    SELECT 1 FROM wanted w
    CROSS JOIN LATERAL (
      SELECT 1 FROM jobs k
      WHERE k.task = w.task AND k.state = 'queued' AND k.concurrency_key IS NOT NULL AND k.run_at <= $2
        AND ($8::text[] IS NULL OR k.queue = ANY ($8::text[]))
      LIMIT 1
    ) due
  ) AS keyed_due
)
SELECT claimed.*, keyed_due.keyed_due
FROM keyed_due LEFT JOIN (claimed CROSS JOIN notified) ON true;
