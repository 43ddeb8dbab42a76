-- withdraw_occurrences.sql — remove a schedule's occurrences that were enqueued ahead and have not
-- started, so no run of an old definition (or of a paused schedule) starts afterwards: queued
-- ones, and those of a schedule that follows another still waiting for the leader's run.
-- params: $1 schedule id text
-- returns: fire_at of each withdrawn occurrence
DELETE FROM jobs
WHERE schedule_id = $1 AND state IN ('queued', 'waiting') AND fire_at IS NOT NULL
RETURNING fire_at;
