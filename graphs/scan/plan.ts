import { Annotation } from "@langchain/langgraph";
import type { RemediationNodeDeps } from "./deps.ts";

/** Counts of what the remediation nodes did; each node adds its own keys. */
export interface RemediationSummary {
  proposed?: number;
  pending?: number;
  approved?: number;
  rejected?: number;
  expired?: number;
  executed?: number;
  failed?: number;
  waiting?: number;
  dryRun?: number;
  verified?: number;
  verificationFailed?: number;
}

/** The state fields the remediation nodes read and write; spread them into the scan graph's Annotation.Root. */
export const remediationStateFields = {
  /** Input: propose remediations for the scan's failing findings (`scan --auto-remediate`). */
  autoRemediate: Annotation<boolean | undefined>(),
  /** Input: the remediate node lists the exact calls and changes nothing. */
  dryRun: Annotation<boolean | undefined>(),
  /** Output of plan: the scan's approval request ids. */
  approvalIds: Annotation<string[] | undefined>(),
  remediation: Annotation<RemediationSummary>({
    reducer: (a, b) => ({ ...a, ...b }),
    default: () => ({}),
  }),
};

/** The part of the scan state the remediation nodes use. */
export interface RemediationNodeState {
  scanId: string;
  requestedBy: string;
  autoRemediate?: boolean;
  dryRun?: boolean;
  approvalIds?: string[];
  remediation?: RemediationSummary;
}

export interface RemediationNodeUpdate {
  approvalIds?: string[];
  remediation?: RemediationSummary;
  completedSteps?: string[];
}

/**
 * Policy agent: every failing finding with a catalog action becomes an approval request (strategy, plan, risk,
 * expiry). Idempotent: a re-run of this node finds its requests already stored. When requests wait for a
 * person, the scan is marked awaiting_approval.
 */
export function planNode(deps: RemediationNodeDeps) {
  return async (state: RemediationNodeState): Promise<RemediationNodeUpdate> => {
    if (!state.autoRemediate || !deps.remediation) return { approvalIds: [], completedSteps: ["plan"] };
    const requests = await deps.remediation.service.proposeForScan(
      state.scanId,
      undefined,
      state.requestedBy,
    );
    const pending = requests.filter((r) => r.status === "pending").length;
    if (pending > 0) await deps.store.scans.update(state.scanId, { status: "awaiting_approval" });
    return {
      approvalIds: requests.map((r) => r.id),
      remediation: { proposed: requests.length, pending },
      completedSteps: ["plan"],
    };
  };
}
