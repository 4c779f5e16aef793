import type { ScanDeps } from "./deps.ts";
import type { ScanStateType } from "./state.ts";

/** Closes the scan: status and completion time. The report is rendered from the store on demand. */
export function finalizeNode(deps: ScanDeps) {
  return async (state: ScanStateType): Promise<Partial<ScanStateType>> => {
    await deps.store.scans.update(state.scanId, {
      status: "completed",
      completedAt: deps.clock().toISOString(),
    });
    await deps.store.audit.append({
      actor: state.requestedBy,
      action: "scan.completed",
      subjectType: "scan",
      subjectId: state.scanId,
      details: { resources: state.resourceCount, findings: state.findingCount, failing: state.failingCount },
    });
    return { completedSteps: ["finalize"] };
  };
}
