import type { RemediationPlan } from "../../tools/remediation/types.ts";
import type { Severity } from "./types.ts";

export type StrategyName = "immediate" | "scheduled" | "manual" | "compensating";

/** A task for a person (manual strategy, compensating control): what the webhook receives. */
export interface ManualTask {
  title: string;
  steps: string[];
  cli?: string;
  /** The documented alternative control (compensating strategy). */
  compensatingControl?: string;
}

/** What the policy agent decided, and why. */
export interface StrategyDecision {
  strategy: StrategyName;
  rationale: string;
  /** `rules` (knowledge/remediation-policy.yaml); a model may add a rationale later (`model`). */
  decidedBy: "rules" | "model";
  /** The name of the policy rule that matched (absent: the default). */
  rule?: string;
  /** For `scheduled`: the maintenance window in force when proposed. */
  window?: string;
  task?: ManualTask;
}

/** The failing finding a proposal answers. */
export interface ProposalFinding {
  id: string;
  checkId: string;
  title: string;
  severity: Severity;
  reason: string;
  resourceType: string;
  resourceId: string;
  resourceArn: string;
  region: string;
  accountId: string;
}

/**
 * What `remediation_actions.plan` holds: the plan (absent when no automatic plan exists — the manual strategy
 * then carries the task), the findings it fixes, the strategy and the hash that identifies what was approved.
 */
export interface ProposalDocument {
  version: 1;
  actionId: string;
  plan: RemediationPlan | null;
  /** Why there is no automatic plan. */
  planError?: string;
  planHash: string;
  findings: ProposalFinding[];
  severity: Severity;
  strategy: StrategyDecision;
}
