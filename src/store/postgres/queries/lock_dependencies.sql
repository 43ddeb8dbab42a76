-- lock_dependencies.sql — the jobs named as dependencies that exist, locked against deletion
-- (retention) until the enqueue commits; a missing id is the caller's error.
-- params: $1 ids bigint[]
-- returns: id of each job that exists
SELECT id FROM jobs WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE;
