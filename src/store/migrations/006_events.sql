-- EnforceAI schema v6: continuous compliance. `enforceai watch` turns change events into evaluations.
--
-- event_receipts: every event id the watcher has acted on, so a redelivered message is processed once.
-- evaluations:    one row per batch of coalesced events: what was read again, what could not be (gaps), and
--                 the finding status changes it caused. `seq` orders them for the live stream.
-- drift_records:  one row per changed resource per evaluation: who changed it, with which call, and the
--                 before/after difference of its ConfigurationItem.
-- event_failures: messages that failed, with the reason, until they succeed or go to the dead-letter queue.
-- A finding whose resource was deleted gets the life status GONE (resolved when it was failing).

CREATE TABLE evaluations (
  id            text PRIMARY KEY,
  seq           bigserial UNIQUE,
  trigger       text NOT NULL CHECK (trigger IN ('event')),
  started_at    timestamptz NOT NULL,
  completed_at  timestamptz NOT NULL,
  event_count   integer NOT NULL,
  resources     jsonb NOT NULL DEFAULT '[]',
  gaps          jsonb NOT NULL DEFAULT '[]',
  transitions   jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX evaluations_started_idx ON evaluations (started_at DESC);

CREATE TABLE event_receipts (
  event_id       text PRIMARY KEY,
  received_at    timestamptz NOT NULL,
  source         text NOT NULL,
  event_name     text NOT NULL,
  evaluation_id  text NOT NULL
);

CREATE TABLE drift_records (
  id             bigserial PRIMARY KEY,
  evaluation_id  text NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
  account_id     text NOT NULL,
  region         text NOT NULL,
  resource_type  text NOT NULL,
  resource_id    text NOT NULL,
  arn            text NOT NULL,
  change         text NOT NULL CHECK (change IN ('created', 'modified', 'deleted')),
  at             timestamptz NOT NULL,
  actor          text NOT NULL,
  actor_type     text NOT NULL,
  event_source   text NOT NULL,
  event_name     text NOT NULL,
  events         jsonb NOT NULL,
  before_hash    text,
  after_hash     text,
  diff           jsonb NOT NULL,
  transitions    jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX drift_records_resource_idx ON drift_records (arn, id DESC);
CREATE INDEX drift_records_at_idx ON drift_records (at DESC);

CREATE TABLE event_failures (
  message_id     text PRIMARY KEY,
  event_id       text,
  attempts       integer NOT NULL,
  reason         text NOT NULL,
  first_at       timestamptz NOT NULL,
  last_at        timestamptz NOT NULL,
  dead_lettered  boolean NOT NULL DEFAULT false
);

ALTER TABLE findings DROP CONSTRAINT IF EXISTS findings_status_check;
ALTER TABLE findings ADD CONSTRAINT findings_status_check CHECK (status IN ('PASS', 'FAIL', 'MANUAL', 'ERROR', 'GONE'));
