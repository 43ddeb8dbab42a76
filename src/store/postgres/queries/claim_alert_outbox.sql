-- claim_alert_outbox.sql — lease up to $3 due messages to node $1. A message whose claimer
-- died (its claim expired without an outcome) is due again. `attempts` goes up at claim: it is
-- the fencing token of this claim's outcome write.
-- params: $1 node text, $2 now timestamptz, $3 limit int, $4 claim_expires_at timestamptz
-- returns: id, alert_id, channel, notification, attempts
UPDATE alert_outbox o
SET claimed_by = $1, claim_expires_at = $4, attempts = o.attempts + 1
WHERE o.id IN (
  SELECT id FROM alert_outbox
  WHERE status = 'pending' AND next_attempt_at <= $2 AND (claim_expires_at IS NULL OR claim_expires_at <= $2)
  ORDER BY next_attempt_at, id
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
RETURNING o.id, o.alert_id, o.channel, o.notification, o.attempts;
