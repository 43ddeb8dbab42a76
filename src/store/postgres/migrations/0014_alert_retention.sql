-- 0014_alert_retention.sql — retention deletes resolved alerts, finished outbox messages (with
-- their delivery records) and silences that ended, once they are older than the retention
-- window. These indexes keep each pass bounded by the rows it deletes, not by history.
CREATE INDEX alerts_resolved ON alerts (resolved_at) WHERE status = 'resolved';
CREATE INDEX alert_outbox_finished ON alert_outbox (finished_at) WHERE status IN ('delivered', 'failed');
