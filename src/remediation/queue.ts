/**
 * The approval queue: stores the planner's proposals as approval requests, lists and shows them, records
 * decisions (approver role, four eyes, two approvers where the settings say so) and expires overdue ones.
 * Nothing here applies a change. Every time comes from the clock passed in.
 */
import { actionForCheck, buildPlan, getAction, planHash } from "../../tools/remediation/index.ts";
import { PlanError } from "../../tools/remediation/types.ts";
import type { RemediationSettings } from "../config/index.ts";
import { identityIn, normalizeIdentity, sameIdentity } from "../domain/identity.ts";
import type { ProposalFinding, RemediationPlan, StrategyDecision } from "../domain/remediation.ts";
import type { Clock, ConfigurationItem, Finding, Severity } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { type ActionPlanner, type ProposeOptions, planProposals } from "../planning/proposals.ts";
import type { RemediationPolicy } from "../planning/strategy.ts";
import type { AuditEntry } from "../store/audit.ts";
import type { Store } from "../store/index.ts";
import type {
  ApprovalFilter,
  ApprovalRecord,
  ApprovalStatus,
  DecisionRecord,
  ExecutionRecord,
} from "../store/remediations.ts";

export type { ProposeOptions } from "../planning/proposals.ts";

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

export interface ApprovalQueueDeps {
  store: Store;
  clock: Clock;
  catalog: () => Promise<Catalog>;
  settings: RemediationSettings;
  /** The remediation policy (knowledge/remediation-policy.yaml or ENFORCEAI_REMEDIATION_POLICY_FILE). */
  policy: RemediationPolicy;
}

/** The remediation actions of tools/remediation, as the planner sees them. */
export const catalogActions: ActionPlanner = {
  // A custom check may name its action; a built-in check's action is the one whose `fixes` lists it.
  actionFor: (check) => check.remediation.action ?? actionForCheck(check.id)?.id,
  describe(actionId) {
    const action = getAction(actionId);
    return action ? { title: action.title, risk: action.risk } : undefined;
  },
  plan({ actionId, item, checks, itemsOfType, catalog, now, params }) {
    const action = getAction(actionId);
    if (!action) return { plan: null, error: `the catalog has no automated action "${actionId}"` };
    try {
      return {
        plan: buildPlan(action, item, { settings: catalog.settings, now, checks, itemsOfType }, ...params),
      };
    } catch (error) {
      if (error instanceof PlanError || error instanceof ValidationError)
        return { plan: null, error: error.message };
      throw error;
    }
  },
  planHash,
};

export function summarize(rec: ApprovalRecord): ApprovalSummary {
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
    approvals: rec.approvalCount,
    expiresAt: rec.expiresAt,
    createdAt: rec.createdAt,
    decidedAt: rec.decidedAt,
  };
}

export function notFound(approvalId: string): NotFoundError {
  return new NotFoundError(
    `approval request ${approvalId} does not exist; list them with \`enforceai approvals list\``,
  );
}

export class ApprovalQueue {
  constructor(private readonly deps: ApprovalQueueDeps) {}

  get settings(): RemediationSettings {
    return this.deps.settings;
  }

  get policy(): RemediationPolicy {
    return this.deps.policy;
  }

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
    const { store } = this.deps;
    return this.proposeFor(
      scanId,
      await store.resources.scanInventory(scanId),
      findings ?? (await store.findings.allOfScan(scanId)),
      requester,
      options,
    );
  }

  /**
   * Proposes remediations for `findings` judged on `items` (an event-driven evaluation's fresh view), filed
   * under `scanId` (the scan the evaluation builds on). Same idempotence as a scan's: a target already
   * proposed under that scan is not proposed twice. Nothing is applied without approval.
   */
  async proposeFor(
    scanId: string,
    items: readonly ConfigurationItem[],
    findings: readonly Finding[],
    requestedBy: string,
    options: ProposeOptions = {},
  ): Promise<ApprovalSummary[]> {
    const { store } = this.deps;
    const requester = normalizeIdentity(requestedBy);
    const proposals = planProposals({
      scanId,
      items,
      findings,
      catalog: await this.deps.catalog(),
      policy: this.deps.policy,
      settings: this.deps.settings,
      actions: catalogActions,
      requester,
      now: this.deps.clock(),
      options,
    });
    for (const { audit, ...proposal } of proposals) {
      await store.transaction(async (tx) => {
        if (!(await tx.remediations.insertProposal(proposal))) return;
        await tx.audit.append({
          at: proposal.at,
          actor: requester,
          action: "remediation.proposed",
          subjectType: "approval",
          subjectId: proposal.approvalId,
          details: audit,
        });
      });
    }
    return this.listApprovals({ scanId });
  }

  /** Marks pending requests past their expiry as expired (with an audit entry each); answers their ids. */
  async expireOverdue(scanId?: string): Promise<string[]> {
    const now = this.deps.clock();
    const overdue = await this.deps.store.remediations.overdue(now, scanId);
    const expired: string[] = [];
    for (const rec of overdue) if (await this.expire(rec, now)) expired.push(rec.id);
    return expired;
  }

  private async expire(rec: ApprovalRecord, now: Date): Promise<boolean> {
    return this.deps.store.transaction(async (tx) => {
      if (!(await tx.remediations.closeApproval(rec.id, "expired", now))) return false;
      await tx.remediations.setRemediationStatus(rec.remediationId, "expired", now);
      await tx.audit.append({
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
    return (await this.deps.store.remediations.listApprovals(filter)).map(summarize);
  }

  /** Requests with their executions: filtered and paged in SQL, the executions read in one more query. */
  async history(filter: ApprovalFilter): Promise<(ApprovalSummary & { executions: ExecutionRecord[] })[]> {
    await this.expireOverdue(filter.scanId);
    const records = await this.deps.store.remediations.listApprovals(filter);
    const executions = await this.deps.store.remediations.executionsOf(records.map((r) => r.remediationId));
    return records.map((r) => ({ ...summarize(r), executions: executions.get(r.remediationId) ?? [] }));
  }

  /**
   * The scan's requests as the approve node sees them, without writing anything: a pending request past its
   * expiry counts as expired.
   */
  async queueState(scanId: string): Promise<{ pending: ApprovalSummary[]; decided: ApprovalSummary[] }> {
    const now = this.deps.clock().getTime();
    const records = await this.deps.store.remediations.listApprovals({ scanId });
    const pending: ApprovalSummary[] = [];
    const decided: ApprovalSummary[] = [];
    for (const rec of records) {
      if (rec.status === "pending" && Date.parse(rec.expiresAt) > now) pending.push(summarize(rec));
      else decided.push(summarize(rec));
    }
    return { pending, decided };
  }

  /** One request as stored (for the executor and the verifier). */
  async find(approvalId: string): Promise<ApprovalRecord> {
    const rec = await this.deps.store.remediations.findApproval(approvalId);
    if (!rec) throw notFound(approvalId);
    return rec;
  }

  async show(approvalId: string): Promise<ApprovalDetail> {
    await this.expireOverdue();
    const { remediations, audit } = this.deps.store;
    const rec = await this.find(approvalId);
    return {
      ...summarize(rec),
      plan: rec.document.plan,
      planError: rec.document.planError ?? null,
      planHash: rec.document.planHash,
      findings: rec.document.findings,
      strategyDecision: rec.document.strategy,
      decisions: await remediations.decisions(rec.id),
      executions: await remediations.executions(rec.remediationId),
      priorConfiguration: rec.priorConfiguration,
      verification: rec.verification,
      audit: await audit.forSubject("approval", rec.id),
    };
  }

  /** Refuses a user without the approver role (given by the caller, else ENFORCEAI_APPROVERS). */
  requireApprover(user: string, isApprover: boolean | undefined): void {
    const allowed =
      isApprover ?? (this.settings.approvers ? identityIn(user, this.settings.approvers) : false);
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
    // Recorded and compared normalised: `Alice` and `alice ` neither approve alice's request nor count twice.
    const who = normalizeIdentity(user);
    const rec = await this.find(approvalId);
    this.requireApprover(who, options.isApprover);
    if (rec.status === "pending" && Date.parse(rec.expiresAt) <= now.getTime()) {
      await this.expire(rec, now);
      throw new ConflictError(
        `approval request ${approvalId} expired at ${rec.expiresAt} and can no longer be decided; scan again for a new request`,
      );
    }
    await this.deps.store.transaction(async (tx) => {
      const repo = tx.remediations;
      const locked = (await repo.findApproval(approvalId, { forUpdate: true }))!;
      if (locked.status !== "pending") {
        throw new ConflictError(
          `approval request ${approvalId} is already ${locked.status}; nothing to decide`,
        );
      }
      if (decision === "approve" && sameIdentity(who, locked.requestedBy)) {
        throw new ForbiddenError(
          `${who} requested ${approvalId} and cannot approve it; another approver must decide`,
        );
      }
      // Decisions recorded before identities were normalised are compared normalised too.
      const earlier = await repo.decisions(approvalId);
      const added =
        !earlier.some((d) => sameIdentity(d.decidedBy, who)) &&
        (await repo.addDecision({
          approvalId,
          decidedBy: who,
          decision,
          comment: comment ?? null,
          at: now,
        }));
      if (!added) throw new ConflictError(`${who} has already decided approval request ${approvalId}`);
      await tx.audit.append({
        at: now,
        actor: who,
        action: "approval.decision",
        subjectType: "approval",
        subjectId: approvalId,
        details: { decision, comment: comment ?? null, planHash: locked.document.planHash },
      });
      if (decision === "reject") {
        await repo.closeApproval(approvalId, "rejected", now);
        await repo.setRemediationStatus(locked.remediationId, "rejected", now);
        await tx.audit.append({
          at: now,
          actor: who,
          action: "approval.rejected",
          subjectType: "approval",
          subjectId: approvalId,
          details: { comment: comment ?? null },
        });
        return;
      }
      const approvals = (await repo.decisions(approvalId)).filter((d) => d.decision === "approve");
      const approvers = new Set(approvals.map((d) => normalizeIdentity(d.decidedBy)));
      if (approvers.size >= locked.requiredApprovals) {
        await repo.closeApproval(approvalId, "approved", now);
        await repo.setRemediationStatus(locked.remediationId, "approved", now);
        await tx.audit.append({
          at: now,
          actor: who,
          action: "approval.approved",
          subjectType: "approval",
          subjectId: approvalId,
          details: { approvers: [...approvers] },
        });
      }
    });
    return this.show(approvalId);
  }
}
