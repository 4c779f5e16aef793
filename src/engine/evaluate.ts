import { getOrInit } from "../domain/maps.ts";
import type { ConfigurationItem, Finding, FindingStatus, FrameworkRef } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import type { CompiledCheck } from "./checks.ts";
import { EvaluatorFailure, type Outcome } from "./condition.ts";
import type { EvaluationContext, EvaluationGap } from "./evaluators/types.ts";
import { UnreadableValue } from "./path.ts";
import type { Settings } from "./settings.ts";

export function findingId(
  item: Pick<ConfigurationItem, "accountId" | "awsRegion" | "resourceId">,
  checkId: string,
) {
  return `${item.accountId}/${item.awsRegion}/${checkId}/${item.resourceId}`;
}

/** Indexes the inventory once so evaluators can look across resources without scanning it. */
export function createContext(
  items: readonly ConfigurationItem[],
  settings: Settings,
  now: Date,
  /** The scan's coverage gaps (with their account where known), for evaluators that must tell unread from absent. */
  gaps: readonly EvaluationGap[] = [],
): EvaluationContext {
  const byType = new Map<string, ConfigurationItem[]>();
  const memos = new Map<string, unknown>();
  const byTypeAndAccount = new Map<string, Map<string, ConfigurationItem[]>>();
  for (const item of items) {
    getOrInit(byType, item.resourceType, () => []).push(item);
  }
  return {
    settings,
    now,
    itemsOfType(resourceType, accountId) {
      const list = byType.get(resourceType) ?? [];
      if (!accountId) return list;
      // Cross-resource evaluators ask per account; with hundreds of accounts a filter per call is quadratic.
      let accounts = byTypeAndAccount.get(resourceType);
      if (!accounts) {
        accounts = new Map();
        for (const item of list) getOrInit(accounts, item.accountId, () => []).push(item);
        byTypeAndAccount.set(resourceType, accounts);
      }
      return accounts.get(accountId) ?? [];
    },
    accountItem(resourceType, accountId) {
      return byType.get(resourceType)?.find((i) => i.accountId === accountId);
    },
    gapsOf(service, accountId, region) {
      return gaps.filter(
        (g) =>
          g.service === service &&
          (region === undefined || g.region === region) &&
          (g.accountId === undefined || g.accountId === accountId),
      );
    },
    memo<T>(key: string, compute: () => T): T {
      if (memos.has(key)) return memos.get(key) as T;
      const value = compute();
      memos.set(key, value);
      return value;
    },
  };
}

export interface EvaluateOptions {
  checks: readonly CompiledCheck[];
  /** check id → the framework controls it serves */
  frameworkRefs: ReadonlyMap<string, FrameworkRef[]>;
  ctx: EvaluationContext;
  /** Only these check ids (e.g. those serving the selected frameworks); all when absent. */
  onlyChecks?: ReadonlySet<string>;
}

function reasonOf(outcome: Outcome): string {
  const facts = outcome.facts.join("; ");
  return outcome.expected ? `${facts}; expected ${outcome.expected}` : facts;
}

/** Judges one resource against one check. Returns undefined when the check does not apply to it. */
export function evaluateOne(compiled: CompiledCheck, item: ConfigurationItem, ctx: EvaluationContext) {
  const env = { item, ctx };
  let status: FindingStatus;
  let reason: string;
  let evidence: Record<string, unknown> = {};
  try {
    if (compiled.where && !compiled.where(item, env).ok) return undefined;
    const outcome = compiled.pass(item, env);
    status = outcome.ok ? "PASS" : "FAIL";
    reason = reasonOf(outcome);
    evidence = outcome.evidence;
  } catch (error) {
    status = "ERROR";
    if (error instanceof UnreadableValue) {
      reason = `Not evaluated: ${error.message}. Grant the missing read permission and scan again.`;
    } else if (error instanceof EvaluatorFailure) {
      reason = `Not evaluated: ${error.message}`;
    } else {
      reason = `Not evaluated: the check failed unexpectedly (${errorMessage(error)})`;
    }
  }
  return { status, reason, evidence };
}

/**
 * Evaluates every (resource, applicable check) pair. Deterministic: findings come out in check order, then
 * inventory order. Cost is one pass over the resources of each check's type.
 */
export function evaluateInventory(_items: readonly ConfigurationItem[], options: EvaluateOptions): Finding[] {
  const findings: Finding[] = [];
  for (const compiled of options.checks) {
    const { check } = compiled;
    if (options.onlyChecks && !options.onlyChecks.has(check.id)) continue;
    const refs = options.frameworkRefs.get(check.id) ?? [];
    for (const item of options.ctx.itemsOfType(check.resourceType)) {
      const verdict = evaluateOne(compiled, item, options.ctx);
      if (!verdict) continue;
      findings.push(findingOf(compiled, item, verdict, refs));
    }
  }
  return findings;
}

/** The finding of one verdict: the check's facts, the resource's identity, the verdict and its evidence. */
export function findingOf(
  compiled: CompiledCheck,
  item: ConfigurationItem,
  verdict: NonNullable<ReturnType<typeof evaluateOne>>,
  refs: FrameworkRef[],
): Finding {
  const { check } = compiled;
  return {
    id: findingId(item, check.id),
    checkId: check.id,
    title: check.title,
    severity: check.severity,
    status: verdict.status,
    reason: verdict.reason,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    resourceArn: item.arn,
    resourceName: item.resourceName ?? item.resourceId,
    region: item.awsRegion,
    accountId: item.accountId,
    service: check.service,
    tags: item.tags,
    frameworks: refs,
    suppressed: false,
    evidence: verdict.evidence,
    resourceContentHash: item.contentHash,
  };
}
