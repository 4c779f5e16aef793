-- EnforceAI schema v5: the posture of a scan, persisted once when the scan is evaluated.
--
-- `scores` (001) keeps the contract's per-framework summary; `posture` holds everything the report and the API
-- show about a scan's posture (per framework with errors and controls without resources, per control, per
-- service, per severity, totals, and the summaries of the frameworks scored), judged with the catalog of that
-- moment, so a later change to the catalog (a new policy, a confirmed mapping) never rewrites an old scan.
-- NULL for scans stored before this migration: the first report computes it once and stores it.
-- `json`, not `jsonb`: the text is kept as written, so keys keep their order (severities worst first, services
-- by name) and a report reads exactly as it did when it was scored. Nothing queries inside it.
ALTER TABLE compliance_scans ADD COLUMN IF NOT EXISTS posture json;
