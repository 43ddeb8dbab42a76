-- recent_schedule_outcomes.sql — the states of a schedule's latest finished runs up to job $2,
-- newest first (jobs_by_schedule): the "failed N times in a row" rule reads the streak.
-- Skipped and cancelled occurrences did not run, so they neither break nor extend a streak.
-- params: $1 schedule_id text, $2 up to job id bigint, $3 limit int
-- returns: state
SELECT state FROM jobs
WHERE schedule_id = $1 AND id <= $2
  AND state IN ('succeeded', 'dead', 'compensated', 'compensation_failed')
ORDER BY id DESC
LIMIT $3;
