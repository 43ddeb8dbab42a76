-- resolve_waiting_jobs.sql — waiting jobs whose dependencies have all finished leave `waiting`:
-- queued (run_at = max(own run_at, now)) when every dependency succeeded or its edge says
-- `continue`; otherwise per the edge of a dependency that ended other than succeeded: `fail` →
-- dead (DEPENDENCY_FAILED), `skip` → skipped (DEPENDENCY_SKIPPED); a `fail` edge wins over a
-- `skip` edge. Ended jobs are returned so the caller resolves their own dependents (cascade).
-- Rows another transaction holds are skipped: that transaction (or a later sweep) resolves them.
-- params: $1 finished bigint[] (look at the waiting dependents of these jobs), $2 jobs bigint[]
--         (look at these waiting jobs); both null: every waiting job (the maintenance sweep);
--         $3 now timestamptz, $4 limit int, $5 notify channel text
-- returns: job jsonb (the row after the change), one row per resolved job
-- Candidates come from the index of edges by dependency (or the given ids), so resolving after a
-- finishing write costs a few index lookups whatever the history; only the sweep walks the
-- (partial) index of waiting jobs.
WITH candidates AS (
  SELECT d.job_id AS id FROM job_dependencies d WHERE d.depends_on = ANY($1::bigint[])
  UNION
  SELECT unnest($2::bigint[])
  UNION
  SELECT w.id FROM jobs w WHERE $1::bigint[] IS NULL AND $2::bigint[] IS NULL AND w.state = 'waiting'
),
ready AS (
  SELECT w.id FROM jobs w JOIN candidates c ON c.id = w.id
  WHERE w.state = 'waiting'
    AND NOT EXISTS (
      SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
      WHERE d.job_id = w.id
        AND p.state NOT IN ('succeeded', 'dead', 'cancelled', 'skipped', 'compensated', 'compensation_failed'))
  ORDER BY w.id
  LIMIT $4
  FOR UPDATE OF w SKIP LOCKED
),
verdicts AS (
  SELECT r.id, b.depends_on AS blocker, b.state AS blocker_state, b.on_failure, b.name AS blocker_name
  FROM ready r
  LEFT JOIN LATERAL (
    SELECT d.depends_on, p.state, d.on_failure, d.name
    FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on
    WHERE d.job_id = r.id AND p.state <> 'succeeded' AND d.on_failure <> 'continue'
    ORDER BY (d.on_failure = 'fail') DESC, d.depends_on
    LIMIT 1
  ) b ON true
),
resolved AS (
  UPDATE jobs j
  SET state = CASE v.on_failure WHEN 'fail' THEN 'dead' WHEN 'skip' THEN 'skipped' ELSE 'queued' END,
      run_at = CASE WHEN v.blocker IS NULL THEN greatest(j.run_at, $3::timestamptz) ELSE j.run_at END,
      finished_at = CASE WHEN v.blocker IS NULL THEN NULL ELSE $3::timestamptz END,
      last_error = CASE WHEN v.blocker IS NULL THEN j.last_error ELSE jsonb_build_object(
        'code', CASE v.on_failure WHEN 'fail' THEN 'DEPENDENCY_FAILED' ELSE 'DEPENDENCY_SKIPPED' END,
        'name', CASE v.on_failure WHEN 'fail' THEN 'DependencyFailed' ELSE 'DependencySkipped' END,
        'message', 'dependency ' || v.blocker::text || coalesce(' (' || v.blocker_name || ')', '')
                   || ' ended ' || v.blocker_state
                   || CASE v.on_failure WHEN 'fail' THEN '; this job will not run'
                      ELSE '; this job was skipped (its edge says onFailure: skip)' END,
        'dependency', v.blocker::text, 'dependencyState', v.blocker_state,
        'attempt', 0, 'at', to_char($3::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) END,
      updated_at = $3
  FROM verdicts v
  WHERE j.id = v.id
  RETURNING j.*
),
notified AS (
  SELECT pg_notify($5, 'jobs:' || (extract(epoch FROM min(run_at)) * 1000)::bigint::text)
  FROM resolved WHERE state = 'queued' HAVING count(*) > 0
)
SELECT to_jsonb(resolved) AS job FROM resolved LEFT JOIN notified ON true;
