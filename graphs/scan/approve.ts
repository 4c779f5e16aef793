import { interrupt } from "@langchain/langgraph";
import type { RemediationNodeDeps } from "./deps.ts";
import type { RemediationNodeState, RemediationNodeUpdate } from "./plan.ts";

/** What the graph's interrupt carries: the requests a person still has to decide. */
export interface ApprovalInterrupt {
  type: "approval";
  scanId: string;
  pending: {
    id: string;
    actionId: string;
    resourceArn: string;
    strategy: string;
    risk: string;
    severity: string;
    requiredApprovals: number;
    approvals: number;
    expiresAt: string;
  }[];
}

/**
 * Waits (LangGraph `interrupt`) until every request of the scan is approved, rejected or expired. Decisions are
 * made through the CLI or the API, in the store; resuming the graph only makes this node look again. On resume
 * the node runs again from its start, so nothing is written before the interrupt: a request past its expiry
 * counts as expired here and is marked so only once nothing is pending.
 */
export function approveNode(deps: RemediationNodeDeps) {
  return async (state: RemediationNodeState): Promise<RemediationNodeUpdate> => {
    const remediation = deps.remediation;
    if (!remediation || !state.approvalIds?.length) return { completedSteps: ["approve"] };
    let queue = await remediation.service.queueState(state.scanId);
    while (queue.pending.length > 0) {
      const question: ApprovalInterrupt = {
        type: "approval",
        scanId: state.scanId,
        pending: queue.pending.map((p) => ({
          id: p.id,
          actionId: p.actionId,
          resourceArn: p.resourceArn,
          strategy: p.strategy,
          risk: p.risk,
          severity: p.severity,
          requiredApprovals: p.requiredApprovals,
          approvals: p.approvals,
          expiresAt: p.expiresAt,
        })),
      };
      interrupt(question);
      queue = await remediation.service.queueState(state.scanId);
    }
    await remediation.service.expireOverdue(state.scanId);
    const requests = await remediation.service.listApprovals({ scanId: state.scanId });
    const count = (status: string) => requests.filter((r) => r.status === status).length;
    const scan = await deps.store.scans.find(state.scanId);
    if (scan?.status === "awaiting_approval")
      await deps.store.scans.update(state.scanId, { status: "running" });
    return {
      remediation: {
        pending: 0,
        approved: count("approved"),
        rejected: count("rejected"),
        expired: count("expired"),
      },
      completedSteps: ["approve"],
    };
  };
}
