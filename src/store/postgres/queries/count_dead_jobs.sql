-- count_dead_jobs.sql — how many dead jobs match the filter (what replay_dead_jobs.sql would replay).
-- params: $1 task text (null: any), $2 queue text (null: any), $3 tags text[] (all of them; null: any)
-- returns: one row, dead bigint
SELECT count(*) AS dead FROM jobs
WHERE state = 'dead'
  AND ($1::text IS NULL OR task = $1) AND ($2::text IS NULL OR queue = $2) AND ($3::text[] IS NULL OR tags @> $3::text[]);
