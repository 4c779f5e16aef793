/**
 * The remediation planner: turns a scan's failing findings into approval-request proposals (one per action and
 * target resource), with the strategy of the policy rules, the plan's document and the request's reason. Pure:
 * the actions are passed in, every time comes from `now`, nothing is read or written.
 */
import { createHash } from "node:crypto";
import type {
  ChangeRisk,
  ManualTask,
  ProposalDocument,
  ProposalFinding,
  RemediationPlan,
  StrategyDecision,
  StrategyName,
} from "../domain/remediation.ts";
import { canonicalJson } from "../domain/shape.ts";
import { type ConfigurationItem, type Finding, SEVERITY_RANK, type Severity } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import type { Check } from "../engine/check-schema.ts";
import { decideStrategy, type RemediationPolicy } from "./strategy.ts";
import type { MaintenanceWindow } from "./window.ts";

/** What the planner needs of the remediation actions (tools/remediation answers it). */
export interface ActionPlanner {
  /** The action that fixes a check (the actions declare the checks they fix), if any. */
  actionFor(check: Check): string | undefined;
  /** The action's title and change risk; undefined when the catalog has no such action. */
  describe(actionId: string): { title: string; risk: ChangeRisk } | undefined;
  /** The plan for one resource, or why there is no safe automatic plan. */
  plan(request: {
    actionId: string;
    item: ConfigurationItem;
    checks: Check[];
    itemsOfType: (type: string) => ConfigurationItem[];
    catalog: Catalog;
    now: Date;
    params: (Record<string, unknown> | undefined)[];
  }): { plan: RemediationPlan | null; error?: string };
  planHash(plan: RemediationPlan): string;
}

export interface PlannerSettings {
  maintenanceWindow?: MaintenanceWindow;
  /** Change risks that need two approvers. */
  twoApproversFor: readonly ChangeRisk[];
  /** Over the policy's `expiryHours`. */
  expiryHours?: number;
}

export interface ProposeOptions {
  /** Added to each request's reason. */
  reason?: string;
  /** Params per action id, over the policy's. */
  params?: Record<string, Record<string, unknown>>;
}

export interface PlanInput {
  scanId: string;
  items: readonly ConfigurationItem[];
  /** The scan's findings; only failing, unsuppressed ones are planned. */
  findings: readonly Finding[];
  catalog: Catalog;
  policy: RemediationPolicy;
  settings: PlannerSettings;
  actions: ActionPlanner;
  requester: string;
  now: Date;
  options?: ProposeOptions;
}

/** One proposal as the approval queue stores it, with the details of its audit entry. */
export interface Proposal {
  remediationId: string;
  approvalId: string;
  scanId: string;
  findingId: string;
  actionId: string;
  strategy: StrategyName;
  risk: ChangeRisk;
  document: ProposalDocument;
  requestedBy: string;
  reason: string;
  requiredApprovals: number;
  expiresAt: Date;
  at: Date;
  audit: Record<string, unknown>;
}

const itemKey = (i: { accountId: string; awsRegion: string; resourceType: string; resourceId: string }) =>
  `${i.accountId}|${i.awsRegion}|${i.resourceType}|${i.resourceId}`;

export function worstSeverity(severities: Severity[]): Severity {
  return severities.reduce(
    (a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a),
    "informational" as Severity,
  );
}

export function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 12);
}

function proposalFinding(f: Finding): ProposalFinding {
  return {
    id: f.id,
    checkId: f.checkId,
    title: f.title,
    severity: f.severity,
    reason: f.reason,
    resourceType: f.resourceType,
    resourceId: f.resourceId,
    resourceArn: f.resourceArn,
    region: f.region,
    accountId: f.accountId,
  };
}

function describeCall(call: RemediationPlan["calls"][number]): string {
  return `${call.service}:${call.operation} ${canonicalJson(call.input)} (region ${call.region})`;
}

interface Draft {
  actionId: string;
  item: ConfigurationItem;
  findings: Finding[];
  plan: RemediationPlan | null;
  error?: string;
}

/**
 * The proposals of a scan: its failing findings grouped by (action, resource), merged where two groups change
 * the same target. The ids derive from what is proposed, so planning the same scan again gives the same ids.
 */
export function planProposals(input: PlanInput): Proposal[] {
  const { items, catalog, now, options = {} } = input;
  const itemsByKey = new Map(items.map((i) => [itemKey(i), i] as const));
  const itemsOfType = (type: string) => items.filter((i) => i.resourceType === type);
  const checks = new Map(catalog.checks.map((c) => [c.check.id, c.check] as const));
  const failing = input.findings.filter((f) => f.status === "FAIL" && !f.suppressed);

  const policyDecision = (actionId: string, item: ConfigurationItem, findings: Finding[]) =>
    decideStrategy(input.policy, {
      // An action the catalog does not have matches no rule that names actions.
      actionId: input.actions.describe(actionId) ? actionId : "",
      severity: worstSeverity(findings.map((f) => f.severity)),
      risk: input.actions.describe(actionId)?.risk ?? "high",
      resourceType: item.resourceType,
      tags: item.tags,
    });
  const draft = (actionId: string, item: ConfigurationItem, findings: Finding[]) => {
    if (!input.actions.describe(actionId))
      return { plan: null, error: `the catalog has no automated action "${actionId}"` };
    return input.actions.plan({
      actionId,
      item,
      checks: findings.map((f) => checks.get(f.checkId)).filter((c): c is Check => !!c),
      itemsOfType,
      catalog,
      now,
      params: [policyDecision(actionId, item, findings).params, options.params?.[actionId]],
    });
  };

  // Group by (action, resource of the finding), then merge groups that change the same target.
  const groups = new Map<string, { actionId: string; item: ConfigurationItem; findings: Finding[] }>();
  for (const finding of failing) {
    const check = checks.get(finding.checkId);
    const actionId = check && input.actions.actionFor(check);
    if (!actionId) continue;
    const item = itemsByKey.get(itemKey({ ...finding, awsRegion: finding.region }));
    if (!item) continue;
    const key = `${actionId}|${itemKey(item)}`;
    const group = groups.get(key) ?? { actionId, item, findings: [] };
    group.findings.push(finding);
    groups.set(key, group);
  }
  const drafts = new Map<string, Draft>();
  for (const group of groups.values()) {
    const planned = draft(group.actionId, group.item, group.findings);
    const targetKey = `${group.actionId}|${planned.plan?.target.arn ?? group.item.arn}`;
    const existing = drafts.get(targetKey);
    if (!existing) {
      drafts.set(targetKey, { ...group, ...planned });
      continue;
    }
    // Same change from two findings' resources (a bucket and the trail that logs into it): plan once from the
    // target's own item when there is one, with the checks of both.
    const merged = [...existing.findings, ...group.findings];
    const base =
      existing.item.resourceType === planned.plan?.target.resourceType ? existing.item : group.item;
    drafts.set(targetKey, {
      actionId: group.actionId,
      item: base,
      findings: merged,
      ...draft(group.actionId, base, merged),
    });
  }
  return [...drafts.values()].map((d) =>
    proposalOf(input, d, checks, policyDecision(d.actionId, d.item, d.findings)),
  );
}

function proposalOf(
  input: PlanInput,
  d: Draft,
  checks: Map<string, Check>,
  policy: ReturnType<typeof decideStrategy>,
): Proposal {
  const { settings, now, options = {} } = input;
  const action = input.actions.describe(d.actionId);
  let strategy = policy.strategy;
  let rationale = policy.rationale;
  if (!d.plan && strategy !== "compensating") {
    strategy = "manual";
    rationale = `No safe automatic plan: ${d.error}. A person makes the change.`;
  }
  const findingChecks = d.findings.map((f) => checks.get(f.checkId)).filter((c): c is Check => !!c);
  const steps = [...new Set(findingChecks.flatMap((c) => c.remediation.steps))];
  if (d.plan && strategy === "manual") {
    steps.push(...d.plan.calls.map((c) => `EnforceAI's plan (not run automatically): ${describeCall(c)}`));
  }
  const target = d.plan?.target.arn ?? d.item.arn;
  const task: ManualTask | undefined =
    strategy === "manual" || strategy === "compensating"
      ? {
          title: `${d.plan?.title ?? action?.title ?? d.actionId}: ${d.plan?.target.resourceId ?? d.item.resourceId}`,
          steps,
          cli: findingChecks.find((c) => c.remediation.cli)?.remediation.cli,
          compensatingControl: policy.compensatingControl,
        }
      : undefined;
  const strategyDecision: StrategyDecision = {
    strategy,
    rationale,
    decidedBy: "rules",
    ...(policy.rule ? { rule: policy.rule } : {}),
    ...(strategy === "scheduled" && settings.maintenanceWindow
      ? { window: settings.maintenanceWindow.text }
      : {}),
    ...(task ? { task } : {}),
  };
  const severity = worstSeverity(d.findings.map((f) => f.severity));
  const document: ProposalDocument = {
    version: 1,
    actionId: d.actionId,
    plan: d.plan,
    ...(d.error ? { planError: d.error } : {}),
    planHash: d.plan ? input.actions.planHash(d.plan) : shortHash(d.actionId, target, "no-plan"),
    findings: d.findings.map(proposalFinding),
    severity,
    strategy: strategyDecision,
  };
  const risk = policy.risk;
  const id = shortHash(input.scanId, d.actionId, target);
  const expiryHours = settings.expiryHours ?? input.policy.expiryHours;
  const requiredApprovals = settings.twoApproversFor.includes(risk) ? 2 : 1;
  const checksText = [...new Set(d.findings.map((f) => f.checkId))].join(", ");
  const reason = [
    `${d.findings.length} failing check${d.findings.length === 1 ? "" : "s"} (${checksText}) on ${target}.`,
    `Strategy ${strategy}: ${rationale}`,
    options.reason,
  ]
    .filter(Boolean)
    .join(" ");
  return {
    remediationId: `rem-${id}`,
    approvalId: `apr-${id}`,
    scanId: input.scanId,
    findingId: d.findings[0]!.id,
    actionId: d.actionId,
    strategy,
    risk,
    document,
    requestedBy: input.requester,
    reason,
    requiredApprovals,
    expiresAt: new Date(now.getTime() + expiryHours * 3_600_000),
    at: now,
    audit: {
      actionId: d.actionId,
      strategy,
      rationale,
      risk,
      severity,
      requiredApprovals,
      planHash: document.planHash,
      calls: d.plan?.calls ?? [],
      changes: d.plan?.changes ?? [],
      planError: d.error ?? null,
      findings: d.findings.map((f) => f.id),
    },
  };
}
