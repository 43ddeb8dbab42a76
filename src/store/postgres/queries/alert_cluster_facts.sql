-- alert_cluster_facts.sql — what the condition rules look at: live nodes and their skew, the
-- oldest due queued job (jobs_queued_by_run_at), and circuit breakers that are not closed.
-- params: $1 now timestamptz, $2 live_since timestamptz
-- returns: one row: nodes jsonb, oldest_waiting timestamptz, circuits jsonb
SELECT
  (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'clockSkewMs', clock_skew_ms) ORDER BY id), '[]')
     FROM nodes WHERE last_seen_at >= $2) AS nodes,
  (SELECT min(run_at) FROM jobs WHERE state = 'queued' AND run_at <= $1) AS oldest_waiting,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('breaker', breaker, 'task', task, 'openedAt', opened_at,
                                                'lastError', last_error ->> 'message') ORDER BY breaker), '[]')
     FROM circuit_breakers WHERE state <> 'closed') AS circuits;
