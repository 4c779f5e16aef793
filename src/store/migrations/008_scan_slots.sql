-- EnforceAI schema v8: scan slots.
--
-- A server holds one row here for each scan it runs in the background (`serve --max-scans`). A slot is taken in
-- one transaction that holds an advisory lock, counts the live slots and inserts, so that a burst of requests,
-- or several servers sharing this database, never run more scans at once than the limit. The holder renews
-- `expires_at` while the scan runs and deletes the row when it ends; a row whose holder died (crash, kill -9)
-- stops counting once it expires.
CREATE TABLE IF NOT EXISTS scan_slots (
  scan_id text PRIMARY KEY,
  holder text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
