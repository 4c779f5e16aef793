import { compareByStatusThenSeverity } from "../domain/order.ts";
import type { ChangeInProgress } from "../domain/remediation.ts";
import type { LlmUsage } from "../domain/scan.ts";
import type { Catalog } from "../engine/catalog.ts";
import { selectFrameworks } from "../engine/frameworks.ts";
import { rollUpOrganization } from "../engine/rollup.ts";
import { type ScanPosture, scanPosture, scorePosture } from "../engine/scoring.ts";
import type { Store } from "../store/index.ts";
import type { ScanReport } from "./model.ts";

const OFFLINE_USAGE: LlmUsage = { mode: "offline", calls: 0, inputTokens: 0, outputTokens: 0 };

/**
 * Assembles the report model of a stored scan: the scan record, its findings, the posture stored when it was
 * evaluated, and the trend. The catalog is used only for a scan not evaluated yet, or stored before postures
 * were kept (that one is scored once and its posture stored, so later catalog changes leave it alone).
 */
/** The scan's approved changes whose execution row is still `running` (being made, or left by a crash). */
export async function changesInProgressOf(store: Store, scanId: string): Promise<ChangeInProgress[]> {
  const executing = await store.remediations.listApprovals({ scanId, remediationStatus: ["executing"] });
  if (executing.length === 0) return [];
  const executions = await store.remediations.executionsOf(executing.map((a) => a.remediationId));
  const out: ChangeInProgress[] = [];
  for (const approval of executing) {
    for (const execution of executions.get(approval.remediationId) ?? []) {
      if (execution.status !== "running") continue;
      out.push({
        approvalId: approval.id,
        actionId: approval.actionId,
        resourceArns: [...new Set(approval.document.findings.map((f) => f.resourceArn))],
        executionId: execution.id,
        startedAt: execution.startedAt,
      });
    }
  }
  return out;
}

export async function buildReport(store: Store, catalog: Catalog, scanId: string): Promise<ScanReport> {
  const scan = await store.scans.get(scanId);
  const findings = await store.findings.allOfScan(scanId);
  let posture: ScanPosture | undefined = await store.scans.posture(scanId);
  if (!posture) {
    const frameworks = selectFrameworks(catalog.frameworks, scan.frameworks);
    const organization = await store.scans.organization(scanId);
    posture = {
      ...scanPosture(scorePosture(findings, frameworks), frameworks),
      ...(organization ? { organization: rollUpOrganization(findings, frameworks, organization) } : {}),
    };
    if (scan.status === "completed") await store.scans.savePosture(scanId, posture);
  }
  const changesInProgress = await changesInProgressOf(store, scanId);
  const earlier = await store.scans.previousCompleted(new Date(scan.startedAt), 10);
  const trend = earlier.reverse().map((s) => ({
    scanId: s.id,
    startedAt: s.startedAt,
    scores: Object.fromEntries(Object.entries(s.scores).map(([id, sc]) => [id, sc.score])),
  }));
  return {
    scan: {
      id: scan.id,
      status: scan.status,
      startedAt: scan.startedAt,
      completedAt: scan.completedAt,
      accounts: scan.accounts,
      regions: scan.regions,
      resourceCount: scan.resourceCount,
      coverageGaps: scan.coverageGaps,
      scores: scan.scores,
      llm: "mode" in scan.llm ? (scan.llm as LlmUsage) : OFFLINE_USAGE,
      source: scan.source,
      frameworks: posture.frameworkSummaries,
      trend,
      ...(posture.organization ? { organization: posture.organization } : {}),
      ...(changesInProgress.length > 0 ? { changesInProgress } : {}),
    },
    findings: sortFindings(findings),
    posture: {
      bySeverity: posture.bySeverity,
      byService: posture.byService,
      totals: posture.totals,
      controls: posture.controls,
    },
  };
}

function sortFindings<T extends ScanReport["findings"][number]>(findings: T[]): T[] {
  return [...findings].sort(compareByStatusThenSeverity);
}
