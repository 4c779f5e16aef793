import type { Suppression } from "../domain/suppression.ts";
import type { ConfigurationItem, Finding, FrameworkRef } from "../domain/types.ts";
import type { Catalog } from "./catalog.ts";
import { createContext, evaluateInventory } from "./evaluate.ts";
import type { EvaluationGap } from "./evaluators/types.ts";
import type { Framework } from "./frameworks.ts";
import { type Posture, scorePosture } from "./scoring.ts";
import { applySuppressions } from "./suppress.ts";

export interface Assessment {
  findings: Finding[];
  posture: Posture;
}

/**
 * The deterministic heart of a scan: evaluate the inventory with every check that serves the selected
 * frameworks, apply suppressions, score. Pure: same inputs, same output.
 */
export function assess(
  items: readonly ConfigurationItem[],
  catalog: Catalog,
  selected: readonly Framework[],
  suppressions: readonly Suppression[],
  now: Date,
  /** The time ages are measured against ("key is 120 days old"): the inventory's capture time. Default: now. */
  asOf: Date = now,
  /** The scan's coverage gaps: where a listing failed, a chain through it is unknown (ERROR), not broken. */
  gaps: readonly EvaluationGap[] = [],
): Assessment {
  const selectedIds = new Set(selected.map((f) => f.id));
  const onlyChecks = new Set<string>();
  const refs = new Map<string, FrameworkRef[]>();
  for (const [checkId, list] of catalog.refs) {
    const kept = list.filter((r) => selectedIds.has(r.framework));
    if (kept.length > 0) {
      refs.set(checkId, kept);
      onlyChecks.add(checkId);
    }
  }
  // With every framework selected, checks no framework maps still run: they are findings in their own right.
  const allSelected = selected.length === catalog.frameworks.length;
  const ctx = createContext(items, catalog.settings, asOf, gaps);
  const raw = evaluateInventory(items, {
    checks: catalog.checks,
    frameworkRefs: refs,
    ctx,
    onlyChecks: allSelected ? undefined : onlyChecks,
  });
  const manual = manualFindings(items, selected);
  const findings = applySuppressions([...raw, ...manual], suppressions, now);
  return { findings, posture: scorePosture(findings, selected) };
}

/** Check id of the MANUAL finding that stands for a control no check decides. */
export function manualCheckId(framework: string, controlId: string): string {
  return `manual:${framework}:${controlId}`;
}

/**
 * One MANUAL finding per account for each control that no check decides, so the report lists what a person
 * must confirm (and the fast model can triage it). It never counts as a pass or a failure.
 */
export function manualFindings(
  items: readonly ConfigurationItem[],
  selected: readonly Framework[],
): Finding[] {
  const accounts = items.filter((i) => i.resourceType === "AWS::::Account");
  const out: Finding[] = [];
  for (const account of accounts) {
    for (const fw of selected) {
      for (const control of fw.controls) {
        if (!control.manual) continue;
        const checkId = manualCheckId(fw.id, control.id);
        out.push({
          id: `${account.accountId}/${account.awsRegion}/${checkId}/${account.resourceId}`,
          checkId,
          title: `${fw.name} ${control.id}: ${control.title}`,
          severity: "informational",
          status: "MANUAL",
          reason: `No automated check decides this control${control.manualReason ? ` (${control.manualReason})` : ""}; a person must confirm it.`,
          resourceType: account.resourceType,
          resourceId: account.resourceId,
          resourceArn: account.arn,
          resourceName: account.resourceName ?? account.resourceId,
          region: account.awsRegion,
          accountId: account.accountId,
          service: "account",
          tags: account.tags,
          frameworks: [{ framework: fw.id, controlId: control.id }],
          suppressed: false,
          resourceContentHash: account.contentHash,
        });
      }
    }
  }
  return out;
}
