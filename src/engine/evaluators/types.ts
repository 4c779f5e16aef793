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
  /**
   * Coverage gaps of the scan for a service in an account (in one region, or in any): listings that could not be read, so an
   * absent resource there is unknown rather than missing. Gaps recorded without an account apply to every one.
   */
  gapsOf(service: string, accountId: string, region?: string): readonly EvaluationGap[];
  /**
   * A value computed once per evaluation run and kept for the rest of it (a parsed metric-filter pattern judged
   * for one event class). Keys must name everything the value depends on; the cache dies with the context.
   */
  memo<T>(key: string, compute: () => T): T;
}

export interface EvaluationGap {
  service: string;
  region: string;
  accountId?: string;
  code?: string;
  error: string;
}

export type EvaluatorResult =
  | { pass: boolean; reason: string; evidence?: Record<string, unknown> }
  | { error: string; evidence?: Record<string, unknown> };

export type Evaluator = (
  item: ConfigurationItem,
  params: Record<string, unknown>,
  ctx: EvaluationContext,
) => EvaluatorResult;
