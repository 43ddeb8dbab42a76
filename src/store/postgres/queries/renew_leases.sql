-- renew_leases.sql — extend every lease a worker still holds, in one statement.
-- params: $1 worker_id text, $2 job ids bigint[], $3 fences int[], $4 now timestamptz, $5 lease_ms int
-- returns: id, cancel_requested for each lease still held (a missing id was lost)
UPDATE jobs j
SET lease_expires_at = $4::timestamptz + make_interval(secs => $5 / 1000.0)
FROM unnest($2::bigint[], $3::int[]) AS l(id, fence)
-- by primary key whatever the statistics say (complete_jobs.sql)
WHERE j.id = ANY ($2::bigint[]) AND j.id = l.id AND j.attempt = l.fence AND j.state IN ('running', 'compensating') AND j.lease_owner = $1
-- a compensation is not cancelled: it is what a cancelled saga does
RETURNING j.id, j.cancel_requested_at IS NOT NULL AND j.state = 'running' AS cancel_requested;
