-- recent_schedule_runs.sql — the newest runs of each schedule (on the jobs_by_schedule index).
-- params: $1 schedule ids text[], $2 runs per schedule int
-- returns: schedule_id, id, state, fire_at, finished_at; newest first per schedule
SELECT s.id AS schedule_id, r.id, r.state, r.fire_at, r.finished_at
FROM unnest($1::text[]) AS s(id)
CROSS JOIN LATERAL (
  SELECT id, state, fire_at, finished_at FROM jobs
  WHERE schedule_id = s.id
  ORDER BY id DESC
  LIMIT $2
) r
ORDER BY s.id, r.id DESC;
