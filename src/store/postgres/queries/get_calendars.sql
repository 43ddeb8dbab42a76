-- get_calendars.sql — exclusion calendars by name.
-- params: $1 names text[]
-- returns: name, ranges
SELECT name, ranges FROM calendars WHERE name = ANY ($1::text[]);
