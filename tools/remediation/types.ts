/**
 * The remediation catalog's shapes. An action turns one ConfigurationItem into a plan: the exact SDK calls with
 * their inputs, and the relevant configuration fields before and after. Everything an action does to AWS is a
 * `PlannedCall` run through the command registry (`commands.ts`), so the calls shown to an approver, the calls
 * a dry run prints, the calls executed and the IAM policy document are one and the same list.
 */
import type { z } from "zod";
import type {
  ChangeRisk,
  FieldState,
  PlannedCall,
  RemediationPlan,
  RemediationTarget,
} from "../../src/domain/remediation.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import type { Check } from "../../src/engine/check-schema.ts";
import type { Settings } from "../../src/engine/settings.ts";

/** What an action's `plan` returns; the catalog wraps it into a RemediationPlan. */
export interface PlanDraft {
  target: RemediationTarget;
  calls: PlannedCall[];
  before: FieldState;
  after: FieldState;
  notes?: string[];
}

export interface PlanContext {
  settings: Settings;
  /** Planning time: ages ("key unused for 90 days") are computed against it. */
  now: Date;
  /** The failing checks this plan is meant to fix (their params and thresholds shape the default params). */
  checks: readonly Check[];
  /** The rest of the inventory (a trail's bucket, the account's public access block). */
  itemsOfType(resourceType: string): readonly ConfigurationItem[];
}

/** Runs one call through the command registry with the remediation credentials; answers the SDK output. */
export type Exec = (call: PlannedCall) => Promise<Record<string, unknown>>;

/** The answer of a rollback: the calls that restore the prior configuration, or why that would not be safe. */
export type RollbackPlan = { calls: PlannedCall[] } | { unsafe: string };

export interface RemediationAction<P extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  title: string;
  /** What the action does, in one or two sentences for the approver. */
  description: string;
  /** Resource types the action plans from (the finding's resource). */
  resourceTypes: readonly string[];
  /** Check ids whose failure this action fixes: the one declaration of the check↔action link. */
  fixes: readonly string[];
  risk: ChangeRisk;
  reversible: boolean;
  /** How rollback works, or why it is not offered. */
  rollbackNote: string;
  /** Operations the action may call, for the IAM policy: `service:Operation` keys of the command registry. */
  operations: { write: readonly string[]; read: readonly string[] };
  params: z.ZodType<P>;
  /** Params derived from the failing checks and the settings; the policy file and the caller may override. */
  defaultParams?(ctx: PlanContext): Partial<P>;
  /** Pure: the calls and the before/after fields. Throws PlanError when no safe automatic plan exists. */
  plan(item: ConfigurationItem, params: P, ctx: PlanContext): PlanDraft;
  /** Reads the live value of every field in `plan.before` (the prior configuration, kept for rollback). */
  read(exec: Exec, plan: RemediationPlan): Promise<FieldState>;
  /** The calls still needed when some fields are already at their `after` value (a resumed execution). */
  remainingCalls?(plan: RemediationPlan, current: FieldState): PlannedCall[];
  /** The calls that put `prior` back. */
  rollback(plan: RemediationPlan, prior: FieldState): RollbackPlan;
}

/** No automatic plan is safe or possible (missing parameter, unreadable configuration): a person must act. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}
