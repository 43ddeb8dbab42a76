-- resolve_overlaps.sql — apply the overlap policy to due occurrences whose schedule has a run still
-- going: `skip` records them as skipped; `queue` keeps the oldest waiting and skips the others.
-- (The claim never starts them while the other runs; this makes the decision visible.)
-- params: $1 now timestamptz
-- returns: schedule_id and task of each occurrence skipped
WITH blocked AS (
  SELECT q.id, q.schedule_id, q.fire_at, q.overlap
  FROM jobs q
  WHERE q.state = 'queued' AND q.schedule_id IS NOT NULL AND q.overlap IN ('skip', 'queue') AND q.run_at <= $1
    AND EXISTS (SELECT 1 FROM jobs r WHERE r.schedule_id = q.schedule_id AND r.state = 'running')
  FOR UPDATE SKIP LOCKED
),
to_skip AS (
  SELECT b.id FROM blocked b
  WHERE b.overlap = 'skip'
     OR EXISTS (SELECT 1 FROM blocked e WHERE e.schedule_id = b.schedule_id AND e.fire_at < b.fire_at)
)
UPDATE jobs j
SET state = 'skipped', finished_at = $1, updated_at = $1,
    last_error = jsonb_build_object('code', 'OCCURRENCE_SKIPPED', 'name', 'OverlapSkipped',
      'message', 'the previous run of this schedule was still going (overlap policy ' || j.overlap || ')',
      'attempt', 0, 'at', to_char($1 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
FROM to_skip s
WHERE j.id = s.id
RETURNING j.schedule_id, j.task;
