import { getOrInit } from "../domain/maps.ts";
import { compareSeverity, worseSeverity } from "../domain/order.ts";
import type { OrganizationRollup } from "../domain/organization-rollup.ts";
import type { FrameworkScore as StoredScore } from "../domain/scan.ts";
import { type Finding, SEVERITIES, type Severity } from "../domain/types.ts";
import { type Framework, type FrameworkSummary, summarize } from "./frameworks.ts";

export type ControlStatus = "PASS" | "FAIL" | "MANUAL" | "ERROR" | "NO_RESOURCES";

export interface ControlResult {
  framework: string;
  controlId: string;
  title: string;
  section?: string;
  status: ControlStatus;
  checks: string[];
  failed: number;
  passed: number;
  errors: number;
  /** The worst severity among the control's failing findings. */
  worstSeverity?: Severity;
}

/** The contract's score (passed/failed/manual) plus the controls that could not be decided. */
export interface FrameworkScore extends StoredScore {
  errors: number;
  noResources: number;
}

export interface Posture {
  frameworks: Record<string, FrameworkScore>;
  controls: ControlResult[];
  bySeverity: Record<Severity, { passed: number; failed: number }>;
  byService: Record<string, { passed: number; failed: number; score: number }>;
  totals: { findings: number; passed: number; failed: number; errors: number; suppressed: number };
}

interface CheckTally {
  passed: number;
  failed: number;
  errors: number;
  worst?: Severity;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const scoreOf = (passed: number, failed: number) =>
  passed + failed === 0 ? 100 : round1((100 * passed) / (passed + failed));

/**
 * Scores a scan. Suppressed findings leave the score. A control passes when every mapped check passes on
 * every resource it applies to; one failure fails it; errors alone leave it undecided (never a failure).
 */
export function scorePosture(findings: readonly Finding[], frameworks: readonly Framework[]): Posture {
  const byCheck = new Map<string, CheckTally>();
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((s) => [s, { passed: 0, failed: 0 }]),
  ) as Posture["bySeverity"];
  const services = new Map<string, { passed: number; failed: number }>();
  const totals = { findings: findings.length, passed: 0, failed: 0, errors: 0, suppressed: 0 };

  for (const f of findings) {
    if (f.suppressed) {
      totals.suppressed++;
      continue;
    }
    const c = getOrInit(byCheck, f.checkId, () => ({ passed: 0, failed: 0, errors: 0 }) as CheckTally);
    const s = getOrInit(services, f.service, () => ({ passed: 0, failed: 0 }));
    if (f.status === "PASS") {
      c.passed++;
      s.passed++;
      bySeverity[f.severity].passed++;
      totals.passed++;
    } else if (f.status === "FAIL") {
      c.failed++;
      s.failed++;
      bySeverity[f.severity].failed++;
      totals.failed++;
      c.worst = c.worst ? worseSeverity(c.worst, f.severity) : f.severity;
    } else if (f.status === "ERROR") {
      c.errors++;
      totals.errors++;
    }
  }

  const controls: ControlResult[] = [];
  const scores: Record<string, FrameworkScore> = {};
  for (const fw of frameworks) {
    const score: FrameworkScore = { score: 0, passed: 0, failed: 0, manual: 0, errors: 0, noResources: 0 };
    for (const control of fw.controls) {
      const result: ControlResult = {
        framework: fw.id,
        controlId: control.id,
        title: control.title,
        section: control.section,
        status: "MANUAL",
        checks: control.checks ?? [],
        failed: 0,
        passed: 0,
        errors: 0,
      };
      if (control.checks) {
        for (const checkId of control.checks) {
          const c = byCheck.get(checkId);
          if (!c) continue;
          result.passed += c.passed;
          result.failed += c.failed;
          result.errors += c.errors;
          if (c.worst)
            result.worstSeverity = result.worstSeverity
              ? worseSeverity(result.worstSeverity, c.worst)
              : c.worst;
        }
        result.status =
          result.failed > 0
            ? "FAIL"
            : result.errors > 0
              ? "ERROR"
              : result.passed > 0
                ? "PASS"
                : "NO_RESOURCES";
      }
      if (result.status === "PASS") score.passed++;
      else if (result.status === "FAIL") score.failed++;
      else if (result.status === "MANUAL") score.manual++;
      else if (result.status === "ERROR") score.errors++;
      else score.noResources++;
      controls.push(result);
    }
    score.score = scoreOf(score.passed, score.failed);
    scores[fw.id] = score;
  }

  const byService: Posture["byService"] = {};
  for (const [name, s] of [...services.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    byService[name] = { ...s, score: scoreOf(s.passed, s.failed) };
  }
  return { frameworks: scores, controls, bySeverity, byService, totals };
}

/** The failing controls with the most failing findings, worst severity first. */
export function topFailingControls(posture: Posture, limit = 10): ControlResult[] {
  return posture.controls
    .filter((c) => c.status === "FAIL")
    .sort(
      (a, b) =>
        compareSeverity(a.worstSeverity ?? "informational", b.worstSeverity ?? "informational") ||
        b.failed - a.failed ||
        a.framework.localeCompare(b.framework) ||
        a.controlId.localeCompare(b.controlId, undefined, { numeric: true }),
    )
    .slice(0, limit);
}

/**
 * What a scan's posture is, as persisted at evaluate time (compliance_scans.posture): the posture plus the
 * summaries of the frameworks it was scored against, so a report of the scan needs no catalog.
 */
export interface ScanPosture extends Posture {
  frameworkSummaries: FrameworkSummary[];
  /** An organisation scan's per-account and per-OU scores, judged with the same catalog. */
  organization?: OrganizationRollup;
}

/** Scores a scan's findings against the frameworks it selected, in the shape that is stored. */
export function scanPosture(posture: Posture, frameworks: readonly Framework[]): ScanPosture {
  return { ...posture, frameworkSummaries: frameworks.map(summarize) };
}
