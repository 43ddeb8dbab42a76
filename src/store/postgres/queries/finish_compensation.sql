-- finish_compensation.sql — every completed step of the saga was undone: compensated.
-- params: $1 job id bigint, $2 fence int, $3 now timestamptz
-- returns: one row if this attempt held the job
UPDATE jobs
SET state = 'compensated', finished_at = $3, updated_at = $3, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND attempt = $2 AND state = 'compensating' AND lease_owner IS NOT NULL
RETURNING id;
