-- overview_fire_lateness.sql — how late scheduled occurrences started (first attempts of the
-- first budget), over those finished in the window; at most the newest 10,000.
-- params: $1 from timestamptz, $2 to timestamptz
-- returns: one row: samples bigint, p50_ms, p99_ms, max_ms double precision
SELECT count(*) AS samples,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY late_ms) AS p50_ms,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms) AS p99_ms,
       max(late_ms) AS max_ms
FROM (
  SELECT greatest(0, extract(epoch FROM started_at - fire_at) * 1000) AS late_ms
  FROM jobs
  WHERE state IN ('succeeded', 'dead') AND finished_at >= $1 AND finished_at < $2
    AND fire_at IS NOT NULL AND started_at IS NOT NULL AND attempt = 1 AND attempt_base = 0
  ORDER BY finished_at DESC
  LIMIT 10000
) recent;
