-- overview_throughput.sql — jobs finished per time bucket (on the jobs_finished index).
-- params: $1 from timestamptz, $2 to timestamptz, $3 bucket_ms bigint
-- returns: bucket timestamptz, succeeded, dead, cancelled bigint; buckets without jobs are absent
SELECT date_bin(make_interval(secs => $3 / 1000.0), finished_at, $1) AS bucket,
       count(*) FILTER (WHERE state = 'succeeded') AS succeeded,
       count(*) FILTER (WHERE state = 'dead') AS dead,
       count(*) FILTER (WHERE state = 'cancelled') AS cancelled
FROM jobs
WHERE state IN ('succeeded', 'cancelled', 'skipped', 'dead') AND finished_at >= $1 AND finished_at < $2
GROUP BY 1
ORDER BY 1;
