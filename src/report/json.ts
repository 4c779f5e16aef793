/**
 * `--format json`: the report shape of CONTRACT.md — `{ scan, findings }` — plus an extra `posture` key.
 * Objects are rebuilt key by key so the output has one stable key order whatever order the model was
 * assembled in; absent optional values are left out rather than printed as `null`.
 */

import type { OrganizationRollup } from "../domain/organization-rollup.ts";
import type { FrameworkScore, LlmUsage } from "../domain/scan.ts";
import { type CoverageGap, type Finding, SEVERITIES } from "../domain/types.ts";
import type { ControlResult } from "../engine/scoring.ts";
import type { ScanReport } from "./model.ts";
import { indentedJson, jsonArrayChunks, sortedTags } from "./util.ts";

type Json = Record<string, unknown>;

/** Copies `obj[key]` into `out` only when it is defined. */
function opt(out: Json, key: string, value: unknown): void {
  if (value !== undefined) out[key] = value;
}

function gapJson(g: CoverageGap): Json {
  const out: Json = { service: g.service, region: g.region };
  // Discovery records whose gap it is; with several accounts (an organisation) the reader needs it.
  opt(out, "accountId", (g as CoverageGap & { accountId?: string }).accountId);
  opt(out, "code", g.code);
  out.error = g.error;
  return out;
}

function scoreJson(s: FrameworkScore): Json {
  const out: Json = { score: s.score, passed: s.passed, failed: s.failed, manual: s.manual };
  // The scorer also counts these; they survive when the stored record carries them.
  const extra = s as FrameworkScore & { errors?: number; noResources?: number };
  opt(out, "errors", extra.errors);
  opt(out, "noResources", extra.noResources);
  return out;
}

function scoresJson(scores: Record<string, FrameworkScore>): Json {
  return Object.fromEntries(Object.entries(scores).map(([id, sc]) => [id, scoreJson(sc)]));
}

/** `scan.organization` of an organisation scan: the org-wide scores, each account, the worst, each OU. */
function organizationJson(o: OrganizationRollup): Json {
  return {
    id: o.id,
    managementAccountId: o.managementAccountId,
    callerAccountId: o.callerAccountId,
    roleName: o.roleName,
    score: o.score,
    scores: scoresJson(o.scores),
    worstAccounts: o.worstAccounts,
    accounts: o.accounts.map((a) => {
      const out: Json = {
        id: a.id,
        name: a.name,
        ouId: a.ouId,
        ouPath: a.ouPath,
        state: a.state,
        status: a.status,
      };
      opt(out, "reason", a.reason);
      out.score = a.score;
      out.failed = a.failed;
      out.scores = scoresJson(a.scores);
      return out;
    }),
    ous: o.ous.map((u) => ({
      id: u.id,
      name: u.name,
      path: u.path,
      accounts: u.accounts,
      scanned: u.scanned,
      score: u.score,
      scores: scoresJson(u.scores),
    })),
  };
}

function llmJson(llm: Partial<LlmUsage> | undefined): Json {
  const out: Json = {
    mode: llm?.mode ?? "offline",
    calls: llm?.calls ?? 0,
    inputTokens: llm?.inputTokens ?? 0,
    outputTokens: llm?.outputTokens ?? 0,
  };
  opt(out, "cacheHits", llm?.cacheHits);
  opt(out, "estimatedCostUsd", llm?.estimatedCostUsd);
  return out;
}

/**
 * One finding in the contract's key order; `suppression`, `service`, `evidence`, `explanation` (why and how to fix,
 * with citations) and `assessment` (the fast model's triage of a MANUAL finding) are the allowed extras.
 */
export function findingJson(f: Finding): Json {
  const out: Json = {
    id: f.id,
    checkId: f.checkId,
    title: f.title,
    severity: f.severity,
    status: f.status,
    reason: f.reason,
    resourceType: f.resourceType,
    resourceId: f.resourceId,
    resourceArn: f.resourceArn,
    resourceName: f.resourceName,
    region: f.region,
    accountId: f.accountId,
    tags: sortedTags(f.tags),
    frameworks: (f.frameworks ?? []).map((r) => ({ framework: r.framework, controlId: r.controlId })),
    suppressed: f.suppressed,
  };
  if (f.suppression) {
    const s: Json = { id: f.suppression.id, reason: f.suppression.reason, owner: f.suppression.owner };
    opt(s, "expiresAt", f.suppression.expiresAt);
    out.suppression = s;
  }
  opt(out, "service", f.service);
  opt(out, "evidence", f.evidence);
  if (f.explanation) {
    const e = f.explanation;
    const x: Json = { mode: e.mode };
    opt(x, "model", e.model);
    x.rationale = e.rationale;
    x.businessImpact = e.businessImpact;
    x.fixSteps = e.fixSteps;
    x.citations = e.citations.map((c) => {
      const cj: Json = { controlId: c.controlId, passageId: c.passageId };
      opt(cj, "framework", c.framework);
      opt(cj, "source", c.source);
      return cj;
    });
    out.explanation = x;
  }
  if (f.assessment)
    out.assessment = { verdict: f.assessment.verdict, note: f.assessment.note, mode: f.assessment.mode };
  return out;
}

function controlJson(c: ControlResult): Json {
  const out: Json = { framework: c.framework, controlId: c.controlId, title: c.title };
  opt(out, "section", c.section);
  out.status = c.status;
  out.checks = c.checks;
  out.passed = c.passed;
  out.failed = c.failed;
  out.errors = c.errors;
  opt(out, "worstSeverity", c.worstSeverity);
  return out;
}

/** The report as the contract's JSON, pretty-printed with two spaces and a trailing newline. */
export function renderJson(report: ScanReport): string {
  return [...jsonChunks(report)].join("");
}

/**
 * The same text as `renderJson`, in pieces of about CHUNK_CHARS: a report of hundreds of thousands of findings is
 * larger than the longest string V8 can hold, so writers stream these pieces instead of joining them.
 */
export function* jsonChunks(report: ScanReport): Generator<string> {
  const s = report.scan;
  const scan: Json = { id: s.id, status: s.status };
  opt(scan, "source", s.source);
  scan.startedAt = s.startedAt;
  scan.completedAt = s.completedAt ?? null;
  scan.accounts = s.accounts;
  scan.regions = s.regions;
  scan.resourceCount = s.resourceCount;
  scan.coverageGaps = (s.coverageGaps ?? []).map(gapJson);
  scan.scores = Object.fromEntries(Object.entries(s.scores ?? {}).map(([id, sc]) => [id, scoreJson(sc)]));
  scan.llm = llmJson(s.llm);
  if (s.frameworks) {
    scan.frameworks = s.frameworks.map((f) => ({
      id: f.id,
      name: f.name,
      version: f.version,
      controls: f.controls,
      automatedControls: f.automatedControls,
    }));
  }
  if (s.trend) {
    scan.trend = s.trend.map((t) => ({ scanId: t.scanId, startedAt: t.startedAt, scores: t.scores }));
  }
  if (s.changesInProgress) {
    scan.changesInProgress = s.changesInProgress.map((c) => ({
      approvalId: c.approvalId,
      actionId: c.actionId,
      resourceArns: c.resourceArns,
      executionId: c.executionId,
      startedAt: c.startedAt,
    }));
  }
  if (s.organization) scan.organization = organizationJson(s.organization);

  const p = report.posture;
  const posture: Json = {
    totals: {
      findings: p.totals.findings,
      passed: p.totals.passed,
      failed: p.totals.failed,
      errors: p.totals.errors,
      suppressed: p.totals.suppressed,
    },
    // worst severity first; services by name
    bySeverity: Object.fromEntries(
      SEVERITIES.filter((sev) => p.bySeverity[sev]).map((sev) => [
        sev,
        { passed: p.bySeverity[sev].passed, failed: p.bySeverity[sev].failed },
      ]),
    ),
    byService: Object.fromEntries(
      Object.keys(p.byService)
        .sort()
        .map((svc) => {
          const v = p.byService[svc]!;
          return [svc, { passed: v.passed, failed: v.failed, score: v.score }];
        }),
    ),
    controls: p.controls.map(controlJson),
  };

  // Byte for byte what JSON.stringify({ scan, findings, posture }, null, 2) prints, one finding at a time.
  yield `{\n  "scan": ${indentedJson(scan, 1)},\n  "findings": `;
  yield* jsonArrayChunks(report.findings, findingJson, 1);
  yield `,\n  "posture": ${indentedJson(posture, 1)}\n}\n`;
}
