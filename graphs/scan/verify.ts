import type { RemediationNodeDeps } from "./deps.ts";
import type { RemediationNodeState, RemediationNodeUpdate } from "./plan.ts";

/**
 * Re-discovers each changed resource (read-only access) and re-runs the checks it was meant to fix; records
 * PASS or FAIL on the request and in the audit trail. Only applied, not yet verified changes are looked at, so
 * a re-run of this node repeats nothing.
 */
export function verifyNode(deps: RemediationNodeDeps) {
  return async (state: RemediationNodeState): Promise<RemediationNodeUpdate> => {
    const remediation = deps.remediation;
    if (!remediation || state.dryRun || !state.approvalIds?.length) return { completedSteps: ["verify"] };
    const results = await remediation.service.verifyScan(state.scanId, remediation.discovery);
    for (const r of results) {
      if (r.error)
        deps.logger.warn({ approvalId: r.approvalId, error: r.error }, "verification could not run");
    }
    return {
      remediation: {
        verified: results.filter((r) => r.result?.status === "PASS").length,
        verificationFailed: results.filter((r) => r.result && r.result.status !== "PASS").length,
      },
      completedSteps: ["verify"],
    };
  };
}
