-- record_alert_delivery.sql — record one delivery attempt and its outcome on the message, only
-- if this claim (node, attempt) still holds it: a claimer that lost its claim writes nothing.
-- params: $1 outbox_id text, $2 attempt int, $3 node text, $4 at timestamptz, $5 outcome text
--         ('delivered' | 'retry' | 'failed'), $6 status int, $7 detail text, $8 next_attempt_at timestamptz
-- returns: one row if recorded
WITH updated AS (
  UPDATE alert_outbox
  SET status = CASE $5 WHEN 'retry' THEN 'pending' ELSE $5 END,
      next_attempt_at = coalesce($8, next_attempt_at),
      claimed_by = NULL, claim_expires_at = NULL,
      finished_at = CASE WHEN $5 = 'retry' THEN NULL ELSE $4::timestamptz END
  WHERE id = $1 AND attempts = $2 AND claimed_by = $3 AND status = 'pending'
  RETURNING id
)
INSERT INTO alert_deliveries (outbox_id, attempt, node, at, outcome, status, detail)
SELECT id, $2, $3, $4, $5, $6, $7 FROM updated
RETURNING id;
