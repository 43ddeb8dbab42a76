-- next_run_at.sql — the earliest run_at among queued jobs of these tasks, and sagas of theirs
-- waiting to compensate again (the local wake-up timer).
-- params: $1 tasks text[], $2 queues text[] (null: every queue), $3 after timestamptz (now: a job due
--         already but not claimable, locked by another node or waiting on overlap, is not the next wake-up)
-- returns: zero or one row, run_at timestamptz
SELECT min(run_at) AS run_at FROM (
  (SELECT run_at FROM jobs
   WHERE state = 'queued' AND run_at > $3 AND task = ANY ($1::text[]) AND ($2::text[] IS NULL OR queue = ANY ($2::text[]))
   ORDER BY run_at
   LIMIT 1)
  UNION ALL
  (SELECT run_at FROM jobs
   WHERE state = 'compensating' AND lease_owner IS NULL AND run_at > $3 AND task = ANY ($1::text[])
     AND ($2::text[] IS NULL OR queue = ANY ($2::text[]))
   ORDER BY run_at
   LIMIT 1)
) next
HAVING min(run_at) IS NOT NULL;
