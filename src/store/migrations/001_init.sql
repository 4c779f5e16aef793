-- EnforceAI schema v1. Runs unchanged on PostgreSQL and on embedded PGlite.

CREATE TABLE organizations (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
  id               text PRIMARY KEY,                 -- the 12-digit AWS account id
  organization_id  text REFERENCES organizations (id) ON DELETE SET NULL,
  name             text,
  role_arn         text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  last_scanned_at  timestamptz
);

-- The seed architecture's compliance_scans: one row per scan run.
CREATE TABLE compliance_scans (
  id              text PRIMARY KEY,
  status          text NOT NULL CHECK (status IN ('running', 'awaiting_approval', 'completed', 'failed', 'cancelled')),
  source          text NOT NULL CHECK (source IN ('live', 'inventory', 'demo')),
  requested_by    text NOT NULL,
  started_at      timestamptz NOT NULL,
  completed_at    timestamptz,
  accounts        jsonb NOT NULL DEFAULT '[]',
  regions         jsonb NOT NULL DEFAULT '[]',
  frameworks      jsonb NOT NULL DEFAULT '[]',
  options         jsonb NOT NULL DEFAULT '{}',
  resource_count  integer NOT NULL DEFAULT 0,
  finding_count   integer NOT NULL DEFAULT 0,
  coverage_gaps   jsonb NOT NULL DEFAULT '[]',
  scores          jsonb NOT NULL DEFAULT '{}',
  llm             jsonb NOT NULL DEFAULT '{}',
  error           text
);
CREATE INDEX compliance_scans_started_idx ON compliance_scans (started_at DESC);

-- Every distinct version of a resource, stored once however many scans saw it.
CREATE TABLE resource_versions (
  content_hash  text PRIMARY KEY,
  item          jsonb NOT NULL
);

-- The latest known state of each resource (ConfigurationItem-shaped columns for filtering).
CREATE TABLE resources (
  account_id        text NOT NULL,
  region            text NOT NULL,
  resource_type     text NOT NULL,
  resource_id       text NOT NULL,
  arn               text NOT NULL,
  resource_name     text,
  tags              jsonb NOT NULL DEFAULT '{}',
  content_hash      text NOT NULL REFERENCES resource_versions (content_hash),
  captured_at       timestamptz NOT NULL,
  first_seen_scan   text,
  last_seen_scan    text,
  PRIMARY KEY (account_id, region, resource_type, resource_id)
);
CREATE INDEX resources_type_idx ON resources (resource_type);
CREATE INDEX resources_arn_idx ON resources (arn);

-- Which version of each resource a scan saw: a scan's inventory can be rebuilt exactly.
CREATE TABLE scan_resources (
  scan_id        text NOT NULL REFERENCES compliance_scans (id) ON DELETE CASCADE,
  account_id     text NOT NULL,
  region         text NOT NULL,
  resource_type  text NOT NULL,
  resource_id    text NOT NULL,
  content_hash   text NOT NULL REFERENCES resource_versions (content_hash),
  PRIMARY KEY (scan_id, account_id, region, resource_type, resource_id)
);

CREATE TABLE checks (
  id             text PRIMARY KEY,
  source         text NOT NULL CHECK (source IN ('builtin', 'custom')),
  service        text NOT NULL,
  resource_type  text NOT NULL,
  severity       text NOT NULL,
  title          text NOT NULL,
  definition     jsonb NOT NULL,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE frameworks (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  version      text NOT NULL,
  source       text NOT NULL CHECK (source IN ('builtin', 'ingested')),
  description  text,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE controls (
  framework_id   text NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
  id             text NOT NULL,
  section        text,
  title          text NOT NULL,
  description    text,
  manual         boolean NOT NULL DEFAULT false,
  manual_reason  text,
  position       integer NOT NULL DEFAULT 0,
  PRIMARY KEY (framework_id, id)
);

-- Control <-> check mappings. Built-in ones are confirmed; suggested ones wait for a person.
CREATE TABLE control_checks (
  framework_id  text NOT NULL,
  control_id    text NOT NULL,
  check_id      text NOT NULL,
  status        text NOT NULL CHECK (status IN ('confirmed', 'proposed', 'rejected')),
  origin        text NOT NULL CHECK (origin IN ('builtin', 'suggested', 'user')),
  score         real,
  rationale     text,
  decided_by    text,
  decided_at    timestamptz,
  PRIMARY KEY (framework_id, control_id, check_id),
  FOREIGN KEY (framework_id, control_id) REFERENCES controls (framework_id, id) ON DELETE CASCADE
);
CREATE INDEX control_checks_check_idx ON control_checks (check_id);

-- One row per stable finding id (account/region/check/resource), with its life across scans.
CREATE TABLE findings (
  id                  text PRIMARY KEY,
  account_id          text NOT NULL,
  region              text NOT NULL,
  check_id            text NOT NULL,
  resource_type       text NOT NULL,
  resource_id         text NOT NULL,
  resource_arn        text NOT NULL,
  service             text NOT NULL,
  severity            text NOT NULL,
  status              text NOT NULL CHECK (status IN ('PASS', 'FAIL', 'MANUAL', 'ERROR')),
  reason              text NOT NULL,
  first_seen_at       timestamptz NOT NULL,
  last_seen_at        timestamptz NOT NULL,
  first_seen_scan_id  text NOT NULL,
  last_scan_id        text NOT NULL,
  first_failed_at     timestamptz,
  resolved_at         timestamptz
);
CREATE INDEX findings_status_idx ON findings (status, severity);
CREATE INDEX findings_check_idx ON findings (check_id);

-- What each scan concluded: the full finding as reported.
CREATE TABLE scan_findings (
  scan_id     text NOT NULL REFERENCES compliance_scans (id) ON DELETE CASCADE,
  finding_id  text NOT NULL,
  status      text NOT NULL,
  severity    text NOT NULL,
  check_id    text NOT NULL,
  suppressed  boolean NOT NULL DEFAULT false,
  data        jsonb NOT NULL,
  PRIMARY KEY (scan_id, finding_id)
);
CREATE INDEX scan_findings_status_idx ON scan_findings (scan_id, status, severity);

-- Status changes of a finding over time.
CREATE TABLE finding_history (
  finding_id   text NOT NULL,
  scan_id      text NOT NULL,
  at           timestamptz NOT NULL,
  from_status  text,
  to_status    text NOT NULL,
  PRIMARY KEY (finding_id, scan_id)
);

CREATE TABLE suppressions (
  id           text PRIMARY KEY,
  check_id     text,
  resource_arn text,
  tag_key      text,
  tag_value    text,
  account_id   text,
  region       text,
  reason       text NOT NULL,
  owner        text NOT NULL,
  expires_at   timestamptz,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  CHECK (check_id IS NOT NULL OR resource_arn IS NOT NULL OR tag_key IS NOT NULL OR account_id IS NOT NULL OR region IS NOT NULL)
);

CREATE TABLE remediation_actions (
  id                   text PRIMARY KEY,
  scan_id              text REFERENCES compliance_scans (id) ON DELETE SET NULL,
  finding_id           text NOT NULL,
  action_id            text NOT NULL,
  strategy             text NOT NULL CHECK (strategy IN ('immediate', 'scheduled', 'manual', 'compensating')),
  status               text NOT NULL,
  risk                 text NOT NULL,
  plan                 jsonb NOT NULL,
  prior_configuration  jsonb,
  verification         jsonb,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE approvals (
  id                  text PRIMARY KEY,
  remediation_id      text NOT NULL REFERENCES remediation_actions (id) ON DELETE CASCADE,
  requested_by        text NOT NULL,
  reason              text NOT NULL,
  status              text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  required_approvals  integer NOT NULL DEFAULT 1,
  expires_at          timestamptz NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  decided_at          timestamptz
);

CREATE TABLE approval_decisions (
  approval_id  text NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
  decided_by   text NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment      text,
  decided_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, decided_by)
);

-- The idempotency key makes an approved action run once, however many times it is triggered.
CREATE TABLE remediation_executions (
  id               text PRIMARY KEY,
  remediation_id   text NOT NULL REFERENCES remediation_actions (id) ON DELETE CASCADE,
  idempotency_key  text NOT NULL UNIQUE,
  status           text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  result           jsonb,
  error            text
);

CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  key_hash      text NOT NULL UNIQUE,
  role          text NOT NULL CHECK (role IN ('viewer', 'operator', 'approver', 'admin')),
  name          text,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- Append-only trail of who did what. Updates and deletes are refused by the trigger below.
CREATE TABLE audit_log (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL DEFAULT now(),
  actor         text NOT NULL,
  action        text NOT NULL,
  subject_type  text NOT NULL,
  subject_id    text NOT NULL,
  details       jsonb NOT NULL DEFAULT '{}'
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
