-- lock_held_job.sql — inside a transaction, lock a job if this attempt still holds it.
-- params: $1 job id bigint, $2 fence int
-- returns: one row if held (the lock keeps the reaper away until commit), none otherwise
-- A compensating saga is held by the attempt that leased it (a waiting one has no lease owner).
SELECT id FROM jobs WHERE id = $1 AND attempt = $2
  AND (state = 'running' OR (state = 'compensating' AND lease_owner IS NOT NULL))
FOR UPDATE;
