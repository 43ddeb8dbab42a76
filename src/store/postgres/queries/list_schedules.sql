-- list_schedules.sql — schedules by id, a page at a time.
-- params: $1 after id text (null: from the start), $2 limit int, $3 task text (null: any),
--         $4 owner text (null: any), $5 id LIKE pattern text, case-insensitive (null: any)
-- returns: schedule rows
SELECT * FROM schedules
WHERE ($1::text IS NULL OR id > $1) AND ($3::text IS NULL OR task = $3)
  AND ($4::text IS NULL OR owner = $4) AND ($5::text IS NULL OR id ILIKE $5)
ORDER BY id
LIMIT $2;
