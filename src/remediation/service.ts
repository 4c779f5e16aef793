/**
 * The remediation service: proposals (policy agent + catalog), the approval queue, exactly-once execution,
 * verification and rollback. Used by the scan graph's plan/approve/remediate/verify nodes, the CLI
 * (`enforceai approvals`) and, later, the API. Every time comes from the clock passed in.
 */
import { createHash } from "node:crypto";
import type { RemediationAws } from "../../tools/aws/remediation-access.ts";
import { buildPlan, getAction, planHash } from "../../tools/remediation/index.ts";
import type { PlanContext, RemediationAction } from "../../tools/remediation/types.ts";
import { PlanError } from "../../tools/remediation/types.ts";
import type { RemediationSettings } from "../config/remediation.ts";
import type {
  ManualTask,
  ProposalDocument,
  ProposalFinding,
  RemediationPlan,
  StrategyDecision,
} from "../domain/remediation.ts";
import { canonicalJson } from "../domain/shape.ts";
import type { Clock } from "../domain/types.ts";
import { type ConfigurationItem, type Finding, SEVERITY_RANK, type Severity } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import type { Check } from "../engine/check-schema.ts";
import { ConflictError, errorMessage, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { decideStrategy, loadRemediationPolicy, type RemediationPolicy } from "../planning/strategy.ts";
import { type AuditEntry, AuditLog } from "../store/audit.ts";
import { withTransaction } from "../store/database.ts";
import type { Store } from "../store/index.ts";
import {
  type ApprovalFilter,
  type ApprovalRecord,
  type ApprovalStatus,
  type DecisionRecord,
  type ExecutionRecord,
  RemediationRepository,
} from "../store/remediations.ts";
import { describeCallError, type ExecuteOptions, type ExecutionOutcome, executeApproval } from "./execute.ts";
import {
  type DiscoveryAccess,
  overallStatus,
  type Resource,
  rediscover,
  reevaluate,
  type VerificationResult,
} from "./verify.ts";

export interface RemediationServiceDeps {
  store: Store;
  clock: Clock;
  catalog: () => Promise<Catalog>;
  settings: RemediationSettings;
  /** Default: ENFORCEAI_REMEDIATION_POLICY_FILE, else knowledge/remediation-policy.yaml. */
  policy?: RemediationPolicy;
  logger?: Logger;
  fetchImpl?: typeof fetch;
}

/** One row of `enforceai approvals list --json`. */
export interface ApprovalSummary {
  id: string;
  remediationId: string;
  scanId: string | null;
  actionId: string;
  title: string;
  strategy: string;
  status: ApprovalStatus;
  remediationStatus: string;
  risk: string;
  severity: Severity;
  resourceType: string;
  resourceId: string;
  resourceArn: string;
  region: string;
  findingIds: string[];
  requestedBy: string;
  reason: string;
  requiredApprovals: number;
  approvals: number;
  expiresAt: string;
  createdAt: string;
  decidedAt: string | null;
}

/** `enforceai approvals show ID --json`. */
export interface ApprovalDetail extends ApprovalSummary {
  plan: RemediationPlan | null;
  planError: string | null;
  planHash: string;
  findings: ProposalFinding[];
  strategyDecision: StrategyDecision;
  decisions: DecisionRecord[];
  executions: ExecutionRecord[];
  priorConfiguration: Record<string, unknown> | null;
  verification: Record<string, unknown> | null;
  audit: AuditEntry[];
}

export interface ProposeOptions {
  /** Added to each request's reason. */
  reason?: string;
  /** Params per action id, over the policy's. */
  params?: Record<string, Record<string, unknown>>;
}

export type ExecuteTarget = { scanId: string } | { approvalId: string };

type AwsSource = RemediationAws | (() => RemediationAws) | undefined;

function memo(source: AwsSource): (() => RemediationAws) | undefined {
  if (!source) return undefined;
  if (typeof source !== "function") return () => source;
  let made: RemediationAws | undefined;
  return () => {
    made ??= source();
    return made;
  };
}

const itemKey = (i: { accountId: string; awsRegion: string; resourceType: string; resourceId: string }) =>
  `${i.accountId}|${i.awsRegion}|${i.resourceType}|${i.resourceId}`;

function worst(severities: Severity[]): Severity {
  return severities.reduce(
    (a, b) => (SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a),
    "informational" as Severity,
  );
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("|")).digest("hex").slice(0, 12);
}

function summarize(rec: ApprovalRecord, approvals: number): ApprovalSummary {
  const doc = rec.document;
  const target = doc.plan?.target;
  const first = doc.findings[0];
  return {
    id: rec.id,
    remediationId: rec.remediationId,
    scanId: rec.scanId,
    actionId: rec.actionId,
    title: doc.plan?.title ?? getAction(rec.actionId)?.title ?? rec.actionId,
    strategy: rec.strategy,
    status: rec.status,
    remediationStatus: rec.remediationStatus,
    risk: rec.risk,
    severity: doc.severity,
    resourceType: target?.resourceType ?? first?.resourceType ?? "",
    resourceId: target?.resourceId ?? first?.resourceId ?? "",
    resourceArn: target?.arn ?? first?.resourceArn ?? "",
    region: target?.region ?? first?.region ?? "",
    findingIds: doc.findings.map((f) => f.id),
    requestedBy: rec.requestedBy,
    reason: rec.reason,
    requiredApprovals: rec.requiredApprovals,
    approvals,
    expiresAt: rec.expiresAt,
    createdAt: rec.createdAt,
    decidedAt: rec.decidedAt,
  };
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

export class RemediationService {
  private readonly repo: RemediationRepository;
  private readonly audit: AuditLog;

  private constructor(
    private readonly deps: RemediationServiceDeps,
    readonly policy: RemediationPolicy,
  ) {
    this.repo = new RemediationRepository(deps.store.db.pool);
    this.audit = new AuditLog(deps.store.db.pool);
  }

  static async create(deps: RemediationServiceDeps): Promise<RemediationService> {
    const policy = deps.policy ?? (await loadRemediationPolicy(deps.settings.policyFile));
    return new RemediationService(deps, policy);
  }

  get settings(): RemediationSettings {
    return this.deps.settings;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Proposals

  /**
   * Turns the failing (unsuppressed) findings of a scan into approval requests: one per action and target
   * resource, however many of its checks fail. Idempotent: proposing the same scan again adds nothing.
   */
  async proposeForScan(
    scanId: string,
    findings: readonly Finding[] | undefined,
    requester: string,
    options: ProposeOptions = {},
  ): Promise<ApprovalSummary[]> {
    const catalog = await this.deps.catalog();
    const now = this.deps.clock();
    const items = await this.deps.store.resources.scanInventory(scanId);
    const itemsByKey = new Map(items.map((i) => [itemKey(i), i] as const));
    const byType = (type: string) => items.filter((i) => i.resourceType === type);
    const checks = new Map(catalog.checks.map((c) => [c.check.id, c.check] as const));
    const failing = (findings ?? (await this.deps.store.findings.allOfScan(scanId))).filter(
      (f) => f.status === "FAIL" && !f.suppressed,
    );

    // Group by (action, resource of the finding), then merge groups that change the same target.
    const groups = new Map<string, { actionId: string; item: ConfigurationItem; findings: Finding[] }>();
    for (const finding of failing) {
      const check = checks.get(finding.checkId);
      const actionId = check?.remediation.action;
      if (!actionId) continue;
      const item = itemsByKey.get(itemKey({ ...finding, awsRegion: finding.region }));
      if (!item) continue;
      const key = `${actionId}|${itemKey(item)}`;
      const group = groups.get(key) ?? { actionId, item, findings: [] };
      group.findings.push(finding);
      groups.set(key, group);
    }

    const drafts = new Map<
      string,
      {
        actionId: string;
        item: ConfigurationItem;
        findings: Finding[];
        plan: RemediationPlan | null;
        error?: string;
      }
    >();
    for (const group of groups.values()) {
      const draft = this.draft(
        group.actionId,
        group.item,
        group.findings,
        checks,
        byType,
        catalog,
        now,
        options,
      );
      const targetKey = `${group.actionId}|${draft.plan?.target.arn ?? group.item.arn}`;
      const existing = drafts.get(targetKey);
      if (!existing) {
        drafts.set(targetKey, { ...group, ...draft });
        continue;
      }
      // Same change from two findings' resources (a bucket and the trail that logs into it): plan once from the
      // target's own item when there is one, with the checks of both.
      const merged = [...existing.findings, ...group.findings];
      const base =
        existing.item.resourceType === draft.plan?.target.resourceType ? existing.item : group.item;
      drafts.set(targetKey, {
        actionId: group.actionId,
        item: base,
        findings: merged,
        ...this.draft(group.actionId, base, merged, checks, byType, catalog, now, options),
      });
    }

    for (const d of drafts.values()) {
      await this.storeProposal(scanId, d, checks, requester, now, options);
    }
    return this.listApprovals({ scanId });
  }

  private draft(
    actionId: string,
    item: ConfigurationItem,
    findings: Finding[],
    checks: Map<string, Check>,
    byType: (type: string) => ConfigurationItem[],
    catalog: Catalog,
    now: Date,
    options: ProposeOptions,
  ): { plan: RemediationPlan | null; error?: string } {
    const action = getAction(actionId);
    if (!action) return { plan: null, error: `the catalog has no automated action "${actionId}"` };
    const ctx: PlanContext = {
      settings: catalog.settings,
      now,
      checks: findings.map((f) => checks.get(f.checkId)).filter((c): c is Check => !!c),
      itemsOfType: byType,
    };
    const decision = this.policyDecision(action, item, findings);
    try {
      return { plan: buildPlan(action, item, ctx, decision.params, options.params?.[actionId]) };
    } catch (error) {
      if (error instanceof PlanError || error instanceof ValidationError)
        return { plan: null, error: error.message };
      throw error;
    }
  }

  private policyDecision(
    action: RemediationAction | undefined,
    item: ConfigurationItem,
    findings: Finding[],
  ) {
    return decideStrategy(this.policy, {
      actionId: action?.id ?? "",
      severity: worst(findings.map((f) => f.severity)),
      risk: action?.risk ?? "high",
      resourceType: item.resourceType,
      tags: item.tags,
    });
  }

  private async storeProposal(
    scanId: string,
    d: {
      actionId: string;
      item: ConfigurationItem;
      findings: Finding[];
      plan: RemediationPlan | null;
      error?: string;
    },
    checks: Map<string, Check>,
    requester: string,
    now: Date,
    options: ProposeOptions,
  ): Promise<void> {
    const action = getAction(d.actionId);
    const policy = this.policyDecision(action, d.item, d.findings);
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
      ...(strategy === "scheduled" && this.settings.maintenanceWindow
        ? { window: this.settings.maintenanceWindow.text }
        : {}),
      ...(task ? { task } : {}),
    };
    const severity = worst(d.findings.map((f) => f.severity));
    const document: ProposalDocument = {
      version: 1,
      actionId: d.actionId,
      plan: d.plan,
      ...(d.error ? { planError: d.error } : {}),
      planHash: d.plan ? planHash(d.plan) : shortHash(d.actionId, target, "no-plan"),
      findings: d.findings.map(proposalFinding),
      severity,
      strategy: strategyDecision,
    };
    const risk = policy.risk;
    const id = shortHash(scanId, d.actionId, target);
    const expiryHours = this.settings.expiryHours ?? this.policy.expiryHours;
    const requiredApprovals = this.settings.twoApproversFor.includes(risk) ? 2 : 1;
    const checksText = [...new Set(d.findings.map((f) => f.checkId))].join(", ");
    const reason = [
      `${d.findings.length} failing check${d.findings.length === 1 ? "" : "s"} (${checksText}) on ${target}.`,
      `Strategy ${strategy}: ${rationale}`,
      options.reason,
    ]
      .filter(Boolean)
      .join(" ");
    await withTransaction(this.deps.store.db.pool, async (client) => {
      const repo = new RemediationRepository(client);
      const inserted = await repo.insertProposal({
        remediationId: `rem-${id}`,
        approvalId: `apr-${id}`,
        scanId,
        findingId: d.findings[0]!.id,
        actionId: d.actionId,
        strategy,
        risk,
        document,
        requestedBy: requester,
        reason,
        requiredApprovals,
        expiresAt: new Date(now.getTime() + expiryHours * 3_600_000),
        at: now,
      });
      if (!inserted) return;
      await new AuditLog(client).append({
        at: now,
        actor: requester,
        action: "remediation.proposed",
        subjectType: "approval",
        subjectId: `apr-${id}`,
        details: {
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
      });
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // The queue

  /** Marks pending requests past their expiry as expired (with an audit entry each); answers their ids. */
  async expireOverdue(scanId?: string): Promise<string[]> {
    const now = this.deps.clock();
    const overdue = await this.repo.overdue(now, scanId);
    const expired: string[] = [];
    for (const rec of overdue) if (await this.expire(rec, now)) expired.push(rec.id);
    return expired;
  }

  private async expire(rec: ApprovalRecord, now: Date): Promise<boolean> {
    return withTransaction(this.deps.store.db.pool, async (client) => {
      const repo = new RemediationRepository(client);
      if (!(await repo.closeApproval(rec.id, "expired", now))) return false;
      await repo.setRemediationStatus(rec.remediationId, "expired", now);
      await new AuditLog(client).append({
        at: now,
        actor: "enforceai",
        action: "approval.expired",
        subjectType: "approval",
        subjectId: rec.id,
        details: { expiresAt: rec.expiresAt },
      });
      return true;
    });
  }

  async listApprovals(filter: ApprovalFilter = {}): Promise<ApprovalSummary[]> {
    await this.expireOverdue(filter.scanId);
    const records = await this.repo.listApprovals(filter);
    const out: ApprovalSummary[] = [];
    for (const rec of records) out.push(summarize(rec, await this.approvalCount(rec.id)));
    return out;
  }

  private async approvalCount(id: string): Promise<number> {
    return (await this.repo.decisions(id)).filter((d) => d.decision === "approve").length;
  }

  /**
   * The scan's requests as the approve node sees them, without writing anything: a pending request past its
   * expiry counts as expired.
   */
  async queueState(scanId: string): Promise<{ pending: ApprovalSummary[]; decided: ApprovalSummary[] }> {
    const now = this.deps.clock().getTime();
    const records = await this.repo.listApprovals({ scanId });
    const pending: ApprovalSummary[] = [];
    const decided: ApprovalSummary[] = [];
    for (const rec of records) {
      const summary = summarize(rec, await this.approvalCount(rec.id));
      if (rec.status === "pending" && Date.parse(rec.expiresAt) > now) pending.push(summary);
      else decided.push(summary);
    }
    return { pending, decided };
  }

  async show(approvalId: string): Promise<ApprovalDetail> {
    await this.expireOverdue();
    const rec = await this.repo.findApproval(approvalId);
    if (!rec) {
      throw new NotFoundError(
        `approval request ${approvalId} does not exist; list them with \`enforceai approvals list\``,
      );
    }
    const decisions = await this.repo.decisions(rec.id);
    return {
      ...summarize(rec, decisions.filter((d) => d.decision === "approve").length),
      plan: rec.document.plan,
      planError: rec.document.planError ?? null,
      planHash: rec.document.planHash,
      findings: rec.document.findings,
      strategyDecision: rec.document.strategy,
      decisions,
      executions: await this.repo.executions(rec.remediationId),
      priorConfiguration: rec.priorConfiguration,
      verification: rec.verification,
      audit: await this.audit.forSubject("approval", rec.id),
    };
  }

  private requireApprover(user: string, isApprover: boolean | undefined): void {
    const allowed = isApprover ?? this.settings.approvers?.includes(user) ?? false;
    if (allowed) return;
    if (isApprover === undefined && !this.settings.approvers) {
      throw new ForbiddenError(
        "no approvers are configured: set ENFORCEAI_APPROVERS to the comma-separated user names allowed to approve",
      );
    }
    throw new ForbiddenError(
      `${user} does not have the approver role${isApprover === undefined ? " (ENFORCEAI_APPROVERS does not list them)" : ""}`,
    );
  }

  /**
   * One person's decision. Approving needs the approver role and may not be done by the requester; a request
   * past its expiry is marked expired and refused; two approvers are needed where the settings say so.
   */
  async decide(
    approvalId: string,
    user: string,
    decision: "approve" | "reject",
    comment?: string,
    options: { isApprover?: boolean } = {},
  ): Promise<ApprovalDetail> {
    const now = this.deps.clock();
    const rec = await this.repo.findApproval(approvalId);
    if (!rec) {
      throw new NotFoundError(
        `approval request ${approvalId} does not exist; list them with \`enforceai approvals list\``,
      );
    }
    this.requireApprover(user, options.isApprover);
    if (rec.status === "pending" && Date.parse(rec.expiresAt) <= now.getTime()) {
      await this.expire(rec, now);
      throw new ConflictError(
        `approval request ${approvalId} expired at ${rec.expiresAt} and can no longer be decided; scan again for a new request`,
      );
    }
    await withTransaction(this.deps.store.db.pool, async (client) => {
      const repo = new RemediationRepository(client);
      const audit = new AuditLog(client);
      const locked = (await repo.findApproval(approvalId, { forUpdate: true }))!;
      if (locked.status !== "pending") {
        throw new ConflictError(
          `approval request ${approvalId} is already ${locked.status}; nothing to decide`,
        );
      }
      if (decision === "approve" && user === locked.requestedBy) {
        throw new ForbiddenError(
          `${user} requested ${approvalId} and cannot approve it; another approver must decide`,
        );
      }
      const added = await repo.addDecision({
        approvalId,
        decidedBy: user,
        decision,
        comment: comment ?? null,
        at: now,
      });
      if (!added) throw new ConflictError(`${user} has already decided approval request ${approvalId}`);
      await audit.append({
        at: now,
        actor: user,
        action: "approval.decision",
        subjectType: "approval",
        subjectId: approvalId,
        details: { decision, comment: comment ?? null, planHash: locked.document.planHash },
      });
      if (decision === "reject") {
        await repo.closeApproval(approvalId, "rejected", now);
        await repo.setRemediationStatus(locked.remediationId, "rejected", now);
        await audit.append({
          at: now,
          actor: user,
          action: "approval.rejected",
          subjectType: "approval",
          subjectId: approvalId,
          details: { comment: comment ?? null },
        });
        return;
      }
      const approvals = (await repo.decisions(approvalId)).filter((d) => d.decision === "approve");
      if (approvals.length >= locked.requiredApprovals) {
        await repo.closeApproval(approvalId, "approved", now);
        await repo.setRemediationStatus(locked.remediationId, "approved", now);
        await audit.append({
          at: now,
          actor: user,
          action: "approval.approved",
          subjectType: "approval",
          subjectId: approvalId,
          details: { approvers: approvals.map((d) => d.decidedBy) },
        });
      }
    });
    return this.show(approvalId);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Execution, verification, rollback

  /**
   * Runs the approved requests of a scan (or one request) exactly once each. A failure of one (a missing
   * permission, drift) is recorded on it and the others go on. With `dryRun` nothing is written or sent: the
   * outcomes carry the exact calls.
   */
  async executeApproved(
    target: ExecuteTarget,
    aws: AwsSource,
    options: ExecuteOptions = {},
  ): Promise<ExecutionOutcome[]> {
    if (!options.dryRun) await this.expireOverdue("scanId" in target ? target.scanId : undefined);
    let records: ApprovalRecord[];
    if ("approvalId" in target) {
      const rec = await this.repo.findApproval(target.approvalId);
      if (!rec) throw new NotFoundError(`approval request ${target.approvalId} does not exist`);
      records = [rec];
    } else {
      records = (await this.repo.listApprovals({ scanId: target.scanId, status: ["approved"] })).reverse();
    }
    const awsOnce = memo(aws);
    const ctx = {
      store: this.deps.store,
      clock: this.deps.clock,
      settings: this.settings,
      logger: this.deps.logger,
      fetchImpl: this.deps.fetchImpl,
    };
    const outcomes: ExecutionOutcome[] = [];
    for (const rec of records) {
      try {
        outcomes.push(await executeApproval(ctx, rec, awsOnce, options));
      } catch (error) {
        // A store failure: the claim (if written) stays `running` and is retried after its lease.
        this.deps.logger?.error(
          { approvalId: rec.id, err: errorMessage(error) },
          "remediation execution failed",
        );
        outcomes.push({
          approvalId: rec.id,
          remediationId: rec.remediationId,
          actionId: rec.actionId,
          strategy: rec.strategy,
          outcome: "failed",
          error: errorMessage(error),
        });
      }
    }
    return outcomes;
  }

  /** Re-discovers the changed resource and re-runs the checks of its findings; records PASS/FAIL. */
  async verify(approvalId: string, access: DiscoveryAccess): Promise<VerificationResult> {
    const rec = await this.repo.findApproval(approvalId);
    if (!rec) throw new NotFoundError(`approval request ${approvalId} does not exist`);
    const executions = await this.repo.executions(rec.remediationId);
    if (!executions.some((e) => e.status === "succeeded") || !rec.document.plan) {
      throw new ConflictError(`approval request ${approvalId} has no successful execution to verify`);
    }
    const doc = rec.document;
    const plan = doc.plan!;
    const now = this.deps.clock();
    const resources: Resource[] = [
      ...doc.findings.map((f) => ({ ...f, arn: f.resourceArn })),
      { ...plan.target },
    ];
    const { items, gaps } = await rediscover(resources, access, this.deps.clock);
    const context = rec.scanId ? await this.deps.store.resources.scanInventory(rec.scanId) : [];
    const results = reevaluate(doc.findings, items, context, await this.deps.catalog(), now);
    const result: VerificationResult = {
      status: overallStatus(results),
      at: now.toISOString(),
      results,
      gaps,
    };
    await withTransaction(this.deps.store.db.pool, async (client) => {
      await new RemediationRepository(client).setVerification(
        rec.remediationId,
        result as unknown as Record<string, unknown>,
        result.status === "PASS" ? "verified" : "verification_failed",
        now,
      );
      await new AuditLog(client).append({
        at: now,
        actor: "enforceai",
        action: result.status === "PASS" ? "remediation.verified" : "remediation.verification_failed",
        subjectType: "approval",
        subjectId: rec.id,
        details: { status: result.status, results, gaps },
      });
    });
    return result;
  }

  /** Verifies every request of the scan whose change was applied and not yet verified. */
  async verifyScan(
    scanId: string,
    access: DiscoveryAccess,
  ): Promise<{ approvalId: string; result?: VerificationResult; error?: string }[]> {
    const records = await this.repo.listApprovals({ scanId, status: ["approved"] });
    const out: { approvalId: string; result?: VerificationResult; error?: string }[] = [];
    for (const rec of records.reverse()) {
      if (rec.remediationStatus !== "applied") continue;
      try {
        out.push({ approvalId: rec.id, result: await this.verify(rec.id, access) });
      } catch (error) {
        out.push({ approvalId: rec.id, error: errorMessage(error) });
      }
    }
    return out;
  }

  /**
   * Puts the captured prior configuration back, once (its own idempotency key). Needs the approver role;
   * refused where the action says a rollback is not safe.
   */
  async rollback(
    approvalId: string,
    user: string,
    aws: AwsSource,
    options: { isApprover?: boolean; comment?: string } = {},
  ): Promise<ExecutionOutcome> {
    const rec = await this.repo.findApproval(approvalId);
    if (!rec) throw new NotFoundError(`approval request ${approvalId} does not exist`);
    this.requireApprover(user, options.isApprover);
    const plan = rec.document.plan;
    const action = getAction(rec.actionId);
    if (!plan || !action || !["applied", "verified", "verification_failed"].includes(rec.remediationStatus)) {
      throw new ConflictError(`approval request ${approvalId} has no applied change to roll back`);
    }
    if (!rec.priorConfiguration)
      throw new ConflictError(`no prior configuration was captured for ${approvalId}`);
    const rollback = action.rollback(plan, rec.priorConfiguration);
    if ("unsafe" in rollback)
      throw new ConflictError(`rollback of ${approvalId} is not safe: ${rollback.unsafe}`);
    const now = this.deps.clock();
    const execution = await this.repo.claimExecution({
      id: `exe-rb-${shortHash(approvalId, rec.document.planHash, String(now.getTime()))}`,
      remediationId: rec.remediationId,
      idempotencyKey: `${approvalId}:rollback:${rec.document.planHash}`,
      at: now,
    });
    const base = {
      approvalId,
      remediationId: rec.remediationId,
      actionId: rec.actionId,
      strategy: rec.strategy,
    };
    if (!execution) return { ...base, outcome: "already-executed", reason: "the rollback was already run" };
    const awsOnce = memo(aws);
    const sent: unknown[] = [];
    let error: string | null = null;
    try {
      if (!awsOnce) throw new Error("no remediation credentials were given");
      const client = awsOnce();
      for (const call of rollback.calls) {
        try {
          await client.exec(call);
          sent.push({ ...call, ok: true });
        } catch (e) {
          error = describeCallError(call, e);
          sent.push({ ...call, ok: false, error });
          break;
        }
      }
    } catch (e) {
      error = errorMessage(e);
    }
    const at = this.deps.clock();
    await withTransaction(this.deps.store.db.pool, async (client) => {
      const repo = new RemediationRepository(client);
      await repo.finishExecution(
        execution.id,
        error ? "failed" : "succeeded",
        { rollback: true, calls: sent },
        error,
        at,
      );
      if (!error) await repo.setRemediationStatus(rec.remediationId, "rolled_back", at);
      await new AuditLog(client).append({
        at,
        actor: user,
        action: error ? "remediation.rollback_failed" : "remediation.rolled_back",
        subjectType: "approval",
        subjectId: approvalId,
        details: { calls: sent, error, comment: options.comment ?? null },
      });
    });
    return error
      ? { ...base, outcome: "failed", executionId: execution.id, error }
      : { ...base, outcome: "succeeded", executionId: execution.id, calls: rollback.calls };
  }
}
