import type { ConfigurationItem } from "../../domain/types.ts";
import type { Settings } from "../settings.ts";

/** Read access to the rest of the inventory, for checks that look across resources. */
export interface EvaluationContext {
  settings: Settings;
  /** Evaluation time; evaluators compute ages against it, never against the wall clock. */
  now: Date;
  itemsOfType(resourceType: string, accountId?: string): readonly ConfigurationItem[];
  /** The single account-level record of a type (e.g. `AWS::S3::AccountPublicAccessBlock`), if discovered. */
  accountItem(resourceType: string, accountId: string): ConfigurationItem | undefined;
}

export type EvaluatorResult =
  | { pass: boolean; reason: string; evidence?: Record<string, unknown> }
  | { error: string; evidence?: Record<string, unknown> };

export type Evaluator = (
  item: ConfigurationItem,
  params: Record<string, unknown>,
  ctx: EvaluationContext,
) => EvaluatorResult;
