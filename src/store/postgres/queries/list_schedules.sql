-- list_schedules.sql — schedules by id, a page at a time.
-- params: $1 after id text (null: from the start), $2 limit int, $3 task text (null: any)
-- returns: schedule rows
SELECT * FROM schedules
WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR task = $3)
ORDER BY id
LIMIT $2;
