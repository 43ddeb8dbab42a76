-- advance_schedules.sql — move each planned schedule past the occurrences just handled.
-- params: $1 items jsonb (array of {id, next_fire_at, last_fire_at, skipped}), $2 now timestamptz
-- returns: nothing
UPDATE schedules s
SET next_fire_at = a.next_fire_at,
    last_fire_at = coalesce(a.last_fire_at, s.last_fire_at),
    skipped_count = s.skipped_count + a.skipped,
    updated_at = $2
FROM jsonb_to_recordset($1::jsonb) AS a(id text, next_fire_at timestamptz, last_fire_at timestamptz, skipped bigint)
WHERE s.id = a.id;
