import { assess } from "../../src/engine/assess.ts";
import { selectFrameworks } from "../../src/engine/frameworks.ts";
import { rollUpOrganization } from "../../src/engine/rollup.ts";
import { scanPosture } from "../../src/engine/scoring.ts";
import type { ScanDeps } from "./deps.ts";
import type { ScanStateType } from "./state.ts";

/** Compliance agent: deterministic checks over the stored inventory; findings, history, scores and posture. */
export function evaluateNode(deps: ScanDeps) {
  return async (state: ScanStateType): Promise<Partial<ScanStateType>> => {
    const catalog = await deps.catalog();
    const selected = selectFrameworks(catalog.frameworks, state.frameworks);
    const items = await deps.store.resources.scanInventory(state.scanId);
    const now = deps.clock();
    const suppressions = await deps.store.suppressions.list();
    const organization = await deps.store.scans.organization(state.scanId);
    // Ages are judged as of the inventory's capture, so an offline snapshot reads the same next year.
    const asOf = state.capturedAt ? new Date(state.capturedAt) : now;
    const { findings, posture } = assess(
      items,
      catalog,
      selected,
      suppressions,
      now,
      asOf,
      state.coverageGaps ?? [],
    );
    // One transaction: a crash leaves either all of this scan's findings or none, so a resume never duplicates.
    await deps.store.transaction(async (tx) => {
      await tx.findings.recordScan(state.scanId, findings, now);
      await tx.scans.update(state.scanId, {
        findingCount: findings.length,
        scores: Object.fromEntries(
          Object.entries(posture.frameworks).map(([id, s]) => [
            id,
            { score: s.score, passed: s.passed, failed: s.failed, manual: s.manual },
          ]),
        ),
      });
      // The whole posture, judged with this catalog: reports and the API read it instead of re-scoring.
      await tx.scans.savePosture(state.scanId, {
        ...scanPosture(posture, selected),
        ...(organization ? { organization: rollUpOrganization(findings, selected, organization) } : {}),
      });
    });
    return {
      findingCount: findings.length,
      failingCount: findings.filter((f) => f.status === "FAIL" && !f.suppressed).length,
      manualCount: findings.filter((f) => f.status === "MANUAL" && !f.suppressed).length,
      completedSteps: ["evaluate"],
    };
  };
}
