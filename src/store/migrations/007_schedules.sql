-- EnforceAI schema v7: scheduled scans.
--
-- One row per schedule: a five-field cron expression read in `timezone`, and the scan it starts (`options`: the
-- same choices as POST /api/v1/scans — demo, scope, frameworks). `source` says who owns the row: 'config' for
-- the schedule ENFORCEAI_SCAN_SCHEDULE defines (synced at `serve` start, never deleted, disabled when the
-- variable goes), 'api' for schedules made through the API.
--
-- `next_run_at` is the tick the schedule waits for (NULL while disabled). A server claims a tick with one
-- conditional UPDATE that moves `next_run_at` on only if it still holds the tick it read, so of several servers
-- ticking at once exactly one starts the scan.
CREATE TABLE IF NOT EXISTS scan_schedules (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  cron text NOT NULL,
  timezone text NOT NULL DEFAULT 'UTC',
  options jsonb NOT NULL DEFAULT '{}'::jsonb,
  enabled boolean NOT NULL DEFAULT true,
  source text NOT NULL CHECK (source IN ('config', 'api')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  next_run_at timestamptz,
  last_run_at timestamptz,
  last_scan_id text,
  last_error text
);

CREATE INDEX IF NOT EXISTS scan_schedules_due ON scan_schedules (next_run_at) WHERE enabled;
