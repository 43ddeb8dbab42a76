-- list_jobs.sql — job search, newest first, a page at a time.
-- params: $1 state text, $2 task text, $3 queue text, $4 limit int, $5 schedule_id text,
--         $6 tags text[] (jobs carrying all of them), $7 created from timestamptz (inclusive),
--         $8 created to timestamptz (exclusive), $9 before id bigint (the cursor); null: any
-- returns: the jobs
SELECT * FROM jobs
WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR task = $2) AND ($3::text IS NULL OR queue = $3)
  AND ($5::text IS NULL OR schedule_id = $5) AND ($6::text[] IS NULL OR tags @> $6::text[])
  AND ($7::timestamptz IS NULL OR created_at >= $7) AND ($8::timestamptz IS NULL OR created_at < $8)
  AND ($9::bigint IS NULL OR id < $9)
ORDER BY id DESC
LIMIT $4;
