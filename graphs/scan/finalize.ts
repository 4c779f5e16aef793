import type { ScanDeps } from "./deps.ts";
import type { ScanStateType } from "./state.ts";

/** Closes the scan: status and completion time. The report is rendered from the store on demand. */
export function finalizeNode(deps: ScanDeps) {
  return async (state: ScanStateType): Promise<Partial<ScanStateType>> => {
    // One transaction: a scan is never `completed` without the audit entry that says so.
    await deps.store.transaction(async (tx) => {
      await tx.scans.update(state.scanId, { status: "completed", completedAt: deps.clock().toISOString() });
      await tx.audit.append({
        actor: state.requestedBy,
        action: "scan.completed",
        subjectType: "scan",
        subjectId: state.scanId,
        details: {
          resources: state.resourceCount,
          findings: state.findingCount,
          failing: state.failingCount,
        },
      });
    });
    return { completedSteps: ["finalize"] };
  };
}
