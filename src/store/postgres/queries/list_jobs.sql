-- list_jobs.sql — newest jobs first, optionally filtered.
-- params: $1 state text (null: any), $2 task text (null: any), $3 queue text (null: any), $4 limit int
-- returns: the jobs
SELECT * FROM jobs
WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR task = $2) AND ($3::text IS NULL OR queue = $3)
ORDER BY id DESC
LIMIT $4;
