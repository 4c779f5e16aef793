import type { RemediationNodeDeps } from "./deps.ts";
import type { RemediationNodeState, RemediationNodeUpdate } from "./plan.ts";

/**
 * The only node with side effects in AWS: runs the scan's approved requests, each exactly once (idempotency
 * key per approval and plan), with the remediation credentials. A failure is recorded on its request and the
 * others go on. With `dryRun` the exact calls are logged and nothing is written or sent.
 */
export function remediateNode(deps: RemediationNodeDeps) {
  return async (state: RemediationNodeState): Promise<RemediationNodeUpdate> => {
    const remediation = deps.remediation;
    if (!remediation || !state.approvalIds?.length) return { completedSteps: ["remediate"] };
    const outcomes = await remediation.service.executeApproved({ scanId: state.scanId }, remediation.aws, {
      dryRun: state.dryRun === true,
    });
    for (const o of outcomes) {
      if (o.outcome === "dry-run") {
        deps.logger.info(
          { approvalId: o.approvalId, calls: o.calls, changes: o.changes },
          "dry run: would send",
        );
      } else if (o.outcome === "failed") {
        deps.logger.warn({ approvalId: o.approvalId, error: o.error }, "remediation failed");
      }
    }
    const count = (...kinds: string[]) => outcomes.filter((o) => kinds.includes(o.outcome)).length;
    return {
      remediation: {
        executed: count("succeeded", "already-executed"),
        failed: count("failed"),
        waiting: count("waiting", "in-progress"),
        dryRun: count("dry-run"),
      },
      completedSteps: ["remediate"],
    };
  };
}
