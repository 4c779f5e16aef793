/**
 * The one order of severities and finding statuses. Every sort by severity or status — TypeScript here, SQL
 * through src/store/sql.ts — is derived from these lists, so adding a severity changes them all at once.
 */
import { type FindingStatus, SEVERITIES, SEVERITY_RANK, type Severity } from "./types.ts";

/** Worst first: critical, high, medium, low, informational. */
export const SEVERITY_ORDER: readonly Severity[] = SEVERITIES;

/** What needs attention first: failures, then reads we could not make, then what a person decides, then passes. */
export const STATUS_ORDER: readonly FindingStatus[] = ["FAIL", "ERROR", "MANUAL", "PASS"];

/** Position in SEVERITY_ORDER (0 = worst). */
export const severityPosition = (s: Severity): number => SEVERITY_ORDER.indexOf(s);

/** Position in STATUS_ORDER (0 = needs attention most). */
export const statusPosition = (s: FindingStatus): number => STATUS_ORDER.indexOf(s);

/** Sorts worst severity first. */
export const compareSeverity = (a: Severity, b: Severity): number => SEVERITY_RANK[b] - SEVERITY_RANK[a];

/** The worse of two severities. */
export const worseSeverity = (a: Severity, b: Severity): Severity =>
  SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;

/** True when `s` is `threshold` or worse (`--fail-on high` counts critical and high). */
export const atLeastAsSevere = (s: Severity, threshold: Severity): boolean =>
  SEVERITY_RANK[s] >= SEVERITY_RANK[threshold];

/** The review order of findings (the JSON report; API pages and chat sort the same way in SQL): status, severity, id. */
export function compareByStatusThenSeverity(
  a: { status: FindingStatus; severity: Severity; id: string },
  b: { status: FindingStatus; severity: Severity; id: string },
): number {
  return (
    statusPosition(a.status) - statusPosition(b.status) ||
    compareSeverity(a.severity, b.severity) ||
    a.id.localeCompare(b.id)
  );
}
