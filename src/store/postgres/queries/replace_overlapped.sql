-- replace_overlapped.sql — for `replace` schedules with a due occurrence waiting, ask the running
-- run to stop (its worker is told by notification and at its next heartbeat).
-- params: $1 now timestamptz, $2 notify channel text
-- returns: id of each run asked to stop
WITH asked AS (
  UPDATE jobs r SET cancel_requested_at = $1, updated_at = $1
  WHERE r.state = 'running' AND r.cancel_requested_at IS NULL AND r.schedule_id IN (
    SELECT q.schedule_id FROM jobs q
    WHERE q.state = 'queued' AND q.overlap = 'replace' AND q.run_at <= $1 AND q.schedule_id IS NOT NULL)
  RETURNING r.id
)
SELECT asked.id, pg_notify($2, 'cancel:' || asked.id::text) FROM asked;
