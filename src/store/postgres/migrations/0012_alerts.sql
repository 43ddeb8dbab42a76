-- 0012_alerts.sql — the alert engine (docs/alerting.md): alert state, the delivery outbox with
-- every attempt, silences, and the cursor event rules read finished jobs from.

-- Where the event rules stopped reading finished jobs: (finished_at, id) of the last one seen.
-- It advances in the transaction that writes the alerts and outbox rows of what it read, so a
-- crash neither repeats nor loses an event.
CREATE TABLE alert_cursors (
  name text PRIMARY KEY,
  position_at timestamptz NOT NULL,
  position_id bigint NOT NULL
);

-- One row per alert: a group of like events (rule, group_key), or a condition while it holds.
-- At most one open (firing) alert per group; a later one opens a new row.
CREATE TABLE alerts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule text NOT NULL,
  group_key text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('event', 'condition')),
  -- The rule's tier, and the tier it has been escalated to (the same until escalated).
  base_severity text NOT NULL CHECK (base_severity IN ('P0', 'P1', 'P2')),
  severity text NOT NULL CHECK (severity IN ('P0', 'P1', 'P2')),
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  title text NOT NULL,
  summary text NOT NULL,
  subject jsonb NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  count integer NOT NULL,
  first_at timestamptz NOT NULL,
  last_at timestamptz NOT NULL,
  -- The count the last message carried: a message goes out when count passes it (once per window).
  notified_count integer NOT NULL DEFAULT 0,
  first_notified_at timestamptz,
  last_notified_at timestamptz,
  -- Channels a message of this alert went to: its resolution goes to the same ones.
  notified_channels text[] NOT NULL DEFAULT '{}',
  escalated_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at timestamptz
);
CREATE UNIQUE INDEX alerts_open ON alerts (rule, group_key) WHERE status = 'firing';
CREATE INDEX alerts_recent ON alerts (last_at DESC, id DESC);

-- Messages waiting to be delivered, one per (message, channel). `id` is the notification id a
-- receiver dedupes on. `attempts` goes up at each claim and fences the claimer's write.
CREATE TABLE alert_outbox (
  id text PRIMARY KEY,
  alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  channel text NOT NULL,
  notification jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  claimed_by text,
  claim_expires_at timestamptz,
  created_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_outbox_by_alert ON alert_outbox (alert_id);

-- Every delivery attempt that came back (delivered, refused, failed to connect).
CREATE TABLE alert_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  outbox_id text NOT NULL REFERENCES alert_outbox (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  node text NOT NULL,
  at timestamptz NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
  status integer,
  detail text NOT NULL
);
CREATE INDEX alert_deliveries_by_outbox ON alert_deliveries (outbox_id, id);

-- Silences made through the API (those in taskflow.yaml live in the configuration).
CREATE TABLE alert_silences (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  matchers jsonb NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  comment text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX alert_silences_by_end ON alert_silences (ends_at);
