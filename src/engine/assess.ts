import type { ConfigurationItem, Finding, FrameworkRef } from "../domain/types.ts";
import type { Suppression } from "../store/suppressions.ts";
import { createContext, evaluateInventory } from "./evaluate.ts";
import type { Framework } from "./frameworks.ts";
import type { EngineKnowledge } from "./knowledge.ts";
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
  knowledge: EngineKnowledge,
  selected: readonly Framework[],
  suppressions: readonly Suppression[],
  now: Date,
): Assessment {
  const selectedIds = new Set(selected.map((f) => f.id));
  const onlyChecks = new Set<string>();
  const refs = new Map<string, FrameworkRef[]>();
  for (const [checkId, list] of knowledge.refs) {
    const kept = list.filter((r) => selectedIds.has(r.framework));
    if (kept.length > 0) {
      refs.set(checkId, kept);
      onlyChecks.add(checkId);
    }
  }
  // With every framework selected, checks no framework maps still run: they are findings in their own right.
  const allSelected = selected.length === knowledge.frameworks.length;
  const ctx = createContext(items, knowledge.settings, now);
  const raw = evaluateInventory(items, {
    checks: knowledge.checks,
    frameworkRefs: refs,
    ctx,
    onlyChecks: allSelected ? undefined : onlyChecks,
  });
  const findings = applySuppressions(raw, suppressions, now);
  return { findings, posture: scorePosture(findings, selected) };
}
