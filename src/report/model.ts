import type { OrganizationRollup } from "../domain/organization-rollup.ts";
import type { ChangeInProgress } from "../domain/remediation.ts";
import type { FrameworkScore, LlmUsage, ScanStatus } from "../domain/scan.ts";
import type { CoverageGap, Finding } from "../domain/types.ts";
import type { FrameworkSummary } from "../engine/frameworks.ts";
import type { ControlResult, Posture } from "../engine/scoring.ts";

/** The JSON report of CONTRACT.md (`--format json`); every other format renders this same model. */
export interface ScanReport {
  scan: {
    id: string;
    status: ScanStatus;
    startedAt: string;
    completedAt: string | null;
    accounts: string[];
    regions: string[];
    resourceCount: number;
    coverageGaps: CoverageGap[];
    scores: Record<string, FrameworkScore>;
    llm: LlmUsage;
    source?: string;
    frameworks?: FrameworkSummary[];
    /** Score per framework in earlier completed scans, oldest first, for trends. */
    trend?: { scanId: string; startedAt: string; scores: Record<string, number> }[];
    /** Approved changes of this scan whose execution started and has not finished (see ChangeInProgress). */
    changesInProgress?: ChangeInProgress[];
    /** An organisation scan: each account's and each OU's scores, the worst accounts (`scan --organization`). */
    organization?: OrganizationRollup;
  };
  findings: Finding[];
  posture: Pick<Posture, "bySeverity" | "byService" | "totals"> & { controls: ControlResult[] };
}

export const REPORT_FORMATS = ["table", "json", "csv", "ocsf", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
