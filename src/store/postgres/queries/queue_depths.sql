-- queue_depths.sql — queued jobs per queue and task, for the metrics gauges: how many are ready
-- (due, waiting for a worker) and how many delayed, and the oldest ready run_at. It reads at most
-- $2 queued rows, oldest run_at first (the partial index jobs_queued_by_run_at), so its cost is
-- bounded whatever the backlog and finished history: past the cap the counts are lower bounds,
-- while the oldest ready job of every group still in the result is exact.
-- params: $1 now timestamptz, $2 cap int
-- returns: queue, task, ready bigint, delayed bigint, oldest_ready_run_at timestamptz (null when
--          none is ready), scanned bigint (queued rows read in all, the same on every row)
WITH oldest AS (
  SELECT queue, task, run_at FROM jobs WHERE state = 'queued' ORDER BY run_at LIMIT $2
)
SELECT queue, task,
       count(*) FILTER (WHERE run_at <= $1) AS ready,
       count(*) FILTER (WHERE run_at > $1) AS delayed,
       min(run_at) FILTER (WHERE run_at <= $1) AS oldest_ready_run_at,
       sum(count(*)) OVER () AS scanned
FROM oldest
GROUP BY queue, task
ORDER BY queue, task;
