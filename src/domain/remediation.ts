import { z } from "zod";
import type { Severity } from "./types.ts";

/** One SDK call. `region` is `global` for IAM and S3 Control (sent to the home region). */
export interface PlannedCall {
  /** The client's service name (`s3`, `ec2`, `s3control`, …: the AWS access value's client kinds). */
  service: string;
  /** The SDK command name without `Command` (`PutPublicAccessBlock`). */
  operation: string;
  region: string;
  input: Record<string, unknown>;
}

/** The resource a plan changes (not always the one a finding is about: a trail's finding fixes its bucket). */
export interface RemediationTarget {
  resourceType: string;
  resourceId: string;
  arn: string;
  region: string;
  accountId: string;
}

/**
 * The relevant configuration of the target, flat: field name → JSON value. `before` is what the scan saw,
 * `after` what the plan makes of it; the live state read before applying uses the same fields.
 */
export type FieldState = Record<string, unknown>;

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** The change risk: how likely the change is to break something that works (not the finding's severity). */
export type ChangeRisk = Exclude<Severity, "informational">;

export interface RemediationPlan {
  actionId: string;
  title: string;
  target: RemediationTarget;
  params: Record<string, unknown>;
  calls: PlannedCall[];
  before: FieldState;
  after: FieldState;
  changes: FieldChange[];
  risk: ChangeRisk;
  reversible: boolean;
  /** How a rollback works, or why it is not safe. */
  rollback: string;
  notes: string[];
}

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

/**
 * An approved change whose execution was claimed and has not finished: the process running it is at work, or
 * stopped mid-way (a crash). Until the remediation lease passes nobody else takes it over, so a scan that
 * completes in the meantime shows it rather than looking done.
 */
export const changeInProgressSchema = z
  .object({
    approvalId: z.string(),
    actionId: z.string(),
    resourceArns: z.array(z.string()),
    executionId: z.string(),
    startedAt: z.string(),
  })
  .meta({ id: "ChangeInProgress" });
export type ChangeInProgress = z.infer<typeof changeInProgressSchema>;
