-- upsert_calendar.sql — create or replace an exclusion calendar.
-- params: $1 name text, $2 ranges jsonb, $3 now timestamptz
-- returns: nothing
INSERT INTO calendars (name, ranges, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET ranges = excluded.ranges, updated_at = excluded.updated_at;
