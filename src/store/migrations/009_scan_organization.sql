-- EnforceAI schema v8: the AWS Organization an organisation scan (`scan --organization`) covered.
--
-- One JSON document per such scan, written at discovery: the organisation's OUs (with their paths), its accounts,
-- the OU each sits in and what the scan did with it (scanned, skipped, unreachable). The evaluate step scores the
-- per-account and per-OU roll-up from it and the findings; a report rebuilt later reads it again. NULL for every
-- other scan.
ALTER TABLE compliance_scans ADD COLUMN IF NOT EXISTS organization jsonb;
