/**
 * The executor: runs an approved change, or puts its prior configuration back, exactly once. Forward and
 * rollback go through one path:
 *
 * 1. Claim: the store inserts the execution row unless one with the same idempotency key exists
 *    (`${approvalId}:${planHash}`, or `${approvalId}:rollback:${planHash}`). Of any number of concurrent callers
 *    exactly one gets the row; the others see it and do nothing.
 * 2. Re-check: read the live value of every planned field. Already at the goal → nothing is sent. A field at
 *    neither the starting value nor the goal → the resource drifted: nothing is sent, the execution fails.
 *    (Forward, the values read are the prior configuration, stored before any change.)
 * 3. Side effect: the calls (only the remaining ones when a resumed run finds part of the change made).
 * 4. Record: succeeded or failed, with every call and its outcome, in one transaction with the audit entry.
 *
 * A process that dies after the claim leaves a `running` row. A later run treats it as abandoned once its start
 * is older than the lease (ENFORCEAI_REMEDIATION_LEASE_SECONDS), takes it over atomically (one winner), and goes
 * through step 2 again, so a change that was already sent is not sent twice.
 */
import { randomBytes } from "node:crypto";
import { errorCode, errorText, isAccessDenied } from "../../tools/aws/collector.ts";
import { iamActionOf } from "../../tools/remediation/commands.ts";
import { getAction } from "../../tools/remediation/index.ts";
import type { RemediationAction } from "../../tools/remediation/types.ts";
import { sameValue } from "../../tools/remediation/util.ts";
import type { RemediationSettings } from "../config/index.ts";
import type { FieldState, PlannedCall, ProposalDocument, RemediationPlan } from "../domain/remediation.ts";
import type { Clock } from "../domain/types.ts";
import { ConfigError, ConflictError, errorMessage, NotFoundError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { postWebhook, taskMessage } from "../notify/webhook.ts";
import { shortHash } from "../planning/proposals.ts";
import { inWindow, nextWindowStart } from "../planning/window.ts";
import type { Store } from "../store/index.ts";
import type { ApprovalRecord, ExecutionRecord, RemediationStatus } from "../store/remediations.ts";
import type { RemediationAws } from "./credentials.ts";
import type { ApprovalQueue } from "./queue.ts";

export type ExecutionOutcomeKind =
  | "succeeded"
  | "failed"
  | "already-executed"
  | "in-progress"
  | "skipped"
  | "waiting"
  | "dry-run";

export interface ExecutionOutcome {
  approvalId: string;
  remediationId: string;
  actionId: string;
  strategy: string;
  outcome: ExecutionOutcomeKind;
  executionId?: string;
  /** For dry runs: the exact calls that would be sent. For runs: the calls sent. */
  calls?: PlannedCall[];
  changes?: RemediationPlan["changes"];
  reason?: string;
  error?: string;
  /** The change was found in place, so nothing was sent. */
  alreadyApplied?: boolean;
  /** This run took over an execution whose process had died. */
  recovered?: boolean;
}

export interface ExecuteHooks {
  /** Runs right after the claim is written (tests use it to "die" between the claim and the side effect). */
  afterClaim?(approvalId: string): Promise<void> | void;
  /** Runs after the calls were sent, before the result is recorded. */
  afterApply?(approvalId: string): Promise<void> | void;
}

export interface ExecuteOptions {
  dryRun?: boolean;
  hooks?: ExecuteHooks;
}

export type ExecuteTarget = { scanId: string } | { approvalId: string };

/** Remediation credentials: the value itself, or a maker called once on first use. */
export type AwsSource = RemediationAws | (() => RemediationAws) | undefined;

export interface ExecutorDeps {
  store: Store;
  clock: Clock;
  settings: RemediationSettings;
  queue: ApprovalQueue;
  logger?: Logger;
  fetchImpl?: typeof fetch;
}

export function idempotencyKey(approvalId: string, document: ProposalDocument): string {
  return `${approvalId}:${document.planHash}`;
}

function newExecutionId(): string {
  return `exe-${randomBytes(8).toString("hex")}`;
}

function outcomeBase(rec: ApprovalRecord) {
  return {
    approvalId: rec.id,
    remediationId: rec.remediationId,
    actionId: rec.actionId,
    strategy: rec.strategy,
  };
}

function memo(source: AwsSource): (() => RemediationAws) | undefined {
  if (!source) return undefined;
  if (typeof source !== "function") return () => source;
  let made: RemediationAws | undefined;
  return () => {
    made ??= source();
    return made;
  };
}

/** One line that says what went wrong and which permission is missing when that is the cause. */
export function describeCallError(call: PlannedCall, error: unknown): string {
  const code = errorCode(error);
  const op = `${call.service}:${call.operation}`;
  if (isAccessDenied(error)) {
    let permission = op;
    try {
      permission = iamActionOf(call);
    } catch {}
    return `${code}: the remediation credentials may not call ${op} (missing permission ${permission}): ${errorText(error)}`;
  }
  return `${code}: ${op} failed: ${errorText(error)}`;
}

/** What differs between a forward run and a rollback; everything else is the one path of `run`. */
interface Direction {
  kind: "forward" | "rollback";
  actor: string;
  claim: { id: string; key: string; takeOver: boolean };
  /** Written right after the claim (forward only: the audit entry and the `executing` status). */
  started?: (recovered: boolean, executionId: string) => Promise<void>;
  /** The fields' starting values and goal, and the calls that move them. */
  from(current: FieldState): FieldState;
  goal: FieldState;
  calls(current: FieldState, partlyDone: boolean): PlannedCall[];
  /** Forward: keep what was read as the prior configuration. */
  captured?: (current: FieldState) => Promise<void>;
  succeeded: RemediationStatus;
  /** Status on failure; undefined keeps the remediation's status (a failed rollback leaves the change applied). */
  failed?: RemediationStatus;
  audit: { succeeded: string; failed: string; details?: Record<string, unknown> };
  result: Record<string, unknown>;
  driftHint: string;
}

export class Executor {
  constructor(private readonly deps: ExecutorDeps) {}

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
    const { queue, store } = this.deps;
    if (!options.dryRun) await queue.expireOverdue("scanId" in target ? target.scanId : undefined);
    let records: ApprovalRecord[];
    if ("approvalId" in target) {
      const rec = await store.remediations.findApproval(target.approvalId);
      if (!rec) throw new NotFoundError(`approval request ${target.approvalId} does not exist`);
      records = [rec];
    } else {
      records = (
        await store.remediations.listApprovals({ scanId: target.scanId, status: ["approved"] })
      ).reverse();
    }
    const awsOnce = memo(aws);
    const outcomes: ExecutionOutcome[] = [];
    for (const rec of records) {
      try {
        outcomes.push(await this.execute(rec, awsOnce, options));
      } catch (error) {
        // A store failure: the claim (if written) stays `running` and is retried after its lease.
        this.deps.logger?.error(
          { approvalId: rec.id, err: errorMessage(error) },
          "remediation execution failed",
        );
        outcomes.push({ ...outcomeBase(rec), outcome: "failed", error: errorMessage(error) });
      }
    }
    return outcomes;
  }

  /** Runs one approved request, at most once for its plan. Never throws for an AWS failure: it is recorded. */
  async execute(
    rec: ApprovalRecord,
    aws: (() => RemediationAws) | undefined,
    options: ExecuteOptions = {},
  ): Promise<ExecutionOutcome> {
    const base = outcomeBase(rec);
    const doc = rec.document;
    if (rec.status !== "approved") {
      return {
        ...base,
        outcome: "skipped",
        reason: `the request is ${rec.status}; only approved requests run`,
      };
    }
    if (options.dryRun) {
      return {
        ...base,
        outcome: "dry-run",
        calls: doc.plan?.calls ?? [],
        changes: doc.plan?.changes ?? [],
        reason:
          rec.strategy === "manual" || rec.strategy === "compensating"
            ? `${rec.strategy}: a task would be posted for a person; no AWS call`
            : "nothing was sent",
      };
    }
    const now = this.deps.clock();
    if (rec.strategy === "scheduled") {
      const window = this.deps.settings.maintenanceWindow;
      if (!window) {
        return {
          ...base,
          outcome: "waiting",
          reason:
            "scheduled for the maintenance window, but ENFORCEAI_MAINTENANCE_WINDOW is not set (e.g. sat:02:00-sat:04:00)",
        };
      }
      if (!inWindow(window, now)) {
        return {
          ...base,
          outcome: "waiting",
          reason: `scheduled for the maintenance window ${window.text} (UTC); it next opens at ${nextWindowStart(window, now).toISOString()}`,
        };
      }
    }
    if (rec.strategy === "manual" || rec.strategy === "compensating") {
      const claimed = await this.claim(rec, this.forwardClaim(rec), options);
      if ("outcome" in claimed) return claimed;
      await this.forwardStarted(rec, claimed.recovered, claimed.execution.id);
      await options.hooks?.afterClaim?.(rec.id);
      return this.runTask(rec, claimed.execution, claimed.recovered);
    }
    const plan = doc.plan;
    const action = getAction(rec.actionId);
    const direction: Direction = {
      kind: "forward",
      actor: "enforceai",
      claim: this.forwardClaim(rec),
      started: (recovered, executionId) => this.forwardStarted(rec, recovered, executionId),
      from: () => plan?.before ?? {},
      goal: plan?.after ?? {},
      calls: (current, partlyDone) =>
        partlyDone && action?.remainingCalls && plan
          ? action.remainingCalls(plan, current)
          : (plan?.calls ?? []),
      captured: (current) =>
        this.deps.store.remediations.setPriorConfiguration(rec.remediationId, current, this.deps.clock()),
      succeeded: "applied",
      failed: "failed",
      audit: { succeeded: "remediation.executed", failed: "remediation.execution_failed" },
      result: {},
      driftHint: "the resource changed since the plan was approved",
    };
    return this.run(rec, direction, plan, action, aws, options);
  }

  /**
   * Puts the captured prior configuration back, once (its own idempotency key), through the same claim →
   * re-check → send → record path as the change. Needs the approver role; refused where the action says a
   * rollback is not safe.
   */
  async rollback(
    approvalId: string,
    user: string,
    aws: AwsSource,
    options: { isApprover?: boolean; comment?: string } = {},
  ): Promise<ExecutionOutcome> {
    const { queue } = this.deps;
    const rec = await this.deps.store.remediations.findApproval(approvalId);
    if (!rec) throw new NotFoundError(`approval request ${approvalId} does not exist`);
    queue.requireApprover(user, options.isApprover);
    const plan = rec.document.plan;
    const action = getAction(rec.actionId);
    if (!plan || !action || !["applied", "verified", "verification_failed"].includes(rec.remediationStatus)) {
      throw new ConflictError(`approval request ${approvalId} has no applied change to roll back`);
    }
    const prior = rec.priorConfiguration;
    if (!prior) throw new ConflictError(`no prior configuration was captured for ${approvalId}`);
    const rollback = action.rollback(plan, prior);
    if ("unsafe" in rollback)
      throw new ConflictError(`rollback of ${approvalId} is not safe: ${rollback.unsafe}`);
    const now = this.deps.clock();
    const direction: Direction = {
      kind: "rollback",
      actor: user,
      claim: {
        id: `exe-rb-${shortHash(approvalId, rec.document.planHash, String(now.getTime()))}`,
        key: `${approvalId}:rollback:${rec.document.planHash}`,
        takeOver: false,
      },
      from: () => plan.after,
      goal: Object.fromEntries(Object.keys(plan.before).map((f) => [f, prior[f]])),
      calls: () => rollback.calls,
      succeeded: "rolled_back",
      audit: {
        succeeded: "remediation.rolled_back",
        failed: "remediation.rollback_failed",
        details: { comment: options.comment ?? null },
      },
      result: { rollback: true },
      driftHint: "the resource changed since the change was applied",
    };
    const outcome = await this.run(rec, direction, plan, action, memo(aws), {});
    if (outcome.outcome === "already-executed") return { ...outcome, reason: "the rollback was already run" };
    return outcome;
  }

  private forwardClaim(rec: ApprovalRecord): Direction["claim"] {
    return { id: newExecutionId(), key: idempotencyKey(rec.id, rec.document), takeOver: true };
  }

  private async forwardStarted(rec: ApprovalRecord, recovered: boolean, executionId: string): Promise<void> {
    const now = this.deps.clock();
    // The status and the entry that records it commit together, as every other audited change here does.
    await this.deps.store.transaction(async (tx) => {
      await tx.audit.append({
        at: now,
        actor: "enforceai",
        action: recovered ? "remediation.execution_recovered" : "remediation.execution_started",
        subjectType: "approval",
        subjectId: rec.id,
        details: {
          executionId,
          idempotencyKey: idempotencyKey(rec.id, rec.document),
          actionId: rec.actionId,
        },
      });
      await tx.remediations.setRemediationStatus(rec.remediationId, "executing", now);
    });
  }

  /** Step 1: the claim, or the outcome that says why this caller does nothing. */
  private async claim(
    rec: ApprovalRecord,
    claim: Direction["claim"],
    _options: ExecuteOptions,
  ): Promise<{ execution: ExecutionRecord; recovered: boolean } | ExecutionOutcome> {
    const base = outcomeBase(rec);
    const repo = this.deps.store.remediations;
    const now = this.deps.clock();
    const execution = await repo.claimExecution({
      id: claim.id,
      remediationId: rec.remediationId,
      idempotencyKey: claim.key,
      at: now,
    });
    if (execution) return { execution, recovered: false };
    const existing = await repo.executionByKey(claim.key);
    if (!existing) return { ...base, outcome: "in-progress", reason: "the execution row is being written" };
    if (existing.status !== "running") {
      return {
        ...base,
        outcome: "already-executed",
        executionId: existing.id,
        reason: `already ${existing.status} (execution ${existing.id})`,
      };
    }
    const staleBefore = new Date(now.getTime() - this.deps.settings.leaseSeconds * 1000);
    const taken = claim.takeOver ? await repo.takeOverExecution(existing.id, staleBefore, now) : undefined;
    if (!taken) {
      return {
        ...base,
        outcome: "in-progress",
        executionId: existing.id,
        reason: `execution ${existing.id} is running (started ${existing.startedAt})`,
      };
    }
    return { execution: taken, recovered: true };
  }

  /** The one claim → re-check → send → record path of a change and of its rollback. */
  private async run(
    rec: ApprovalRecord,
    direction: Direction,
    plan: RemediationPlan | null,
    action: RemediationAction | undefined,
    aws: (() => RemediationAws) | undefined,
    options: ExecuteOptions,
  ): Promise<ExecutionOutcome> {
    const base = outcomeBase(rec);
    // Credentials first: without them nothing is claimed, so the request stays runnable once they are set.
    let client: RemediationAws;
    try {
      if (!aws) throw new ConfigError("no remediation credentials were given to the executor");
      client = aws();
    } catch (error) {
      return {
        ...base,
        outcome: "failed",
        error: errorMessage(error),
        reason: "nothing was claimed or sent",
      };
    }
    const claimed = await this.claim(rec, direction.claim, options);
    if ("outcome" in claimed) return claimed;
    const { execution, recovered } = claimed;
    await direction.started?.(recovered, execution.id);
    await options.hooks?.afterClaim?.(rec.id);
    const done = { ...base, executionId: execution.id, recovered };
    const record = async (ok: boolean, result: Record<string, unknown>, error: string | null) => {
      const at = this.deps.clock();
      await this.deps.store.transaction(async (tx) => {
        await tx.remediations.finishExecution(
          execution.id,
          ok ? "succeeded" : "failed",
          { ...direction.result, ...result },
          error,
          at,
        );
        const status = ok ? direction.succeeded : direction.failed;
        if (status) await tx.remediations.setRemediationStatus(rec.remediationId, status, at);
        await tx.audit.append({
          at,
          actor: direction.actor,
          action: ok ? direction.audit.succeeded : direction.audit.failed,
          subjectType: "approval",
          subjectId: rec.id,
          details: {
            executionId: execution.id,
            actionId: rec.actionId,
            result: { ...direction.result, ...result },
            error,
            ...direction.audit.details,
          },
        });
      });
    };
    const fail = async (error: string, result: Record<string, unknown> = {}) => {
      await record(false, { ...result, recovered }, error);
      return { ...done, outcome: "failed" as const, error };
    };
    if (!plan || !action)
      return fail(`no automatic plan for ${rec.actionId}: ${rec.document.planError ?? "unknown action"}`);

    // Step 2: the re-check.
    let current: FieldState;
    try {
      current = await action.read(client.exec, plan);
    } catch (error) {
      const text = isAccessDenied(error)
        ? `${errorCode(error)}: the remediation credentials cannot read the current configuration (${action.operations.read.join(", ")}): ${errorText(error)}`
        : `${errorCode(error)}: reading the current configuration failed: ${errorText(error)}`;
      return fail(text, { credentials: client.identity });
    }
    await direction.captured?.(current);
    const from = direction.from(current);
    const fields = Object.keys(plan.before);
    const drifted = fields.filter(
      (f) => !sameValue(current[f], from[f]) && !sameValue(current[f], direction.goal[f]),
    );
    if (drifted.length > 0) {
      const detail = drifted
        .slice(0, 3)
        .map(
          (f) =>
            `${f} is ${JSON.stringify(current[f] ?? null)} (planned from ${JSON.stringify(from[f] ?? null)})`,
        )
        .join("; ");
      return fail(`${direction.driftHint}: ${detail}; nothing was sent — scan again for a new proposal`, {
        current,
      });
    }
    const reached = fields.filter((f) => sameValue(current[f], direction.goal[f]));
    if (reached.length === fields.length) {
      await record(true, { calls: [], alreadyApplied: true, recovered, credentials: client.identity }, null);
      return { ...done, outcome: "succeeded", alreadyApplied: true, calls: [] };
    }

    // Step 3: the side effect.
    const calls = direction.calls(current, reached.length > 0);
    const sent: (PlannedCall & { ok: boolean; error?: string })[] = [];
    for (const call of calls) {
      try {
        await client.exec(call);
        sent.push({ ...call, ok: true });
      } catch (error) {
        const text = describeCallError(call, error);
        sent.push({ ...call, ok: false, error: text });
        this.deps.logger?.warn({ approvalId: rec.id, call: `${call.service}:${call.operation}` }, text);
        return fail(text, { calls: sent, credentials: client.identity });
      }
    }
    await options.hooks?.afterApply?.(rec.id);
    // Step 4: the record.
    await record(true, { calls: sent, alreadyApplied: false, recovered, credentials: client.identity }, null);
    return { ...done, outcome: "succeeded", calls };
  }

  /** Manual and compensating strategies: the claim, then a task posted for a person instead of AWS calls. */
  private async runTask(
    rec: ApprovalRecord,
    execution: ExecutionRecord,
    recovered: boolean,
  ): Promise<ExecutionOutcome> {
    const base = { ...outcomeBase(rec), executionId: execution.id, recovered };
    const doc = rec.document;
    const task = doc.strategy.task ?? { title: doc.plan?.title ?? rec.actionId, steps: [] };
    const decisions = await this.deps.store.remediations.decisions(rec.id);
    const message = taskMessage({
      approvalId: rec.id,
      strategy: rec.strategy as "manual" | "compensating",
      task,
      resourceArn: doc.plan?.target.arn ?? doc.findings[0]?.resourceArn ?? "",
      findings: doc.findings,
      approvedBy: decisions.filter((d) => d.decision === "approve").map((d) => d.decidedBy),
    });
    const finish = async (ok: boolean, result: Record<string, unknown>, error: string | null) => {
      const at = this.deps.clock();
      await this.deps.store.transaction(async (tx) => {
        await tx.remediations.finishExecution(execution.id, ok ? "succeeded" : "failed", result, error, at);
        await tx.remediations.setRemediationStatus(rec.remediationId, ok ? "task_sent" : "failed", at);
        await tx.audit.append({
          at,
          actor: "enforceai",
          action: ok ? "remediation.executed" : "remediation.execution_failed",
          subjectType: "approval",
          subjectId: rec.id,
          details: { executionId: execution.id, actionId: rec.actionId, result, error },
        });
      });
    };
    const url = this.deps.settings.webhookUrl;
    if (!url) {
      const result = {
        task,
        delivered: false,
        reason: "ENFORCEAI_WEBHOOK_URL is not set; the task is kept with the request",
      };
      await finish(true, result, null);
      return { ...base, outcome: "succeeded", reason: result.reason };
    }
    try {
      const status = await postWebhook(url, message, { fetchImpl: this.deps.fetchImpl });
      await finish(true, { task, delivered: true, httpStatus: status }, null);
      return { ...base, outcome: "succeeded", reason: "the task was posted to the webhook" };
    } catch (error) {
      const text = errorMessage(error);
      await finish(false, { task, delivered: false }, text);
      return { ...base, outcome: "failed", error: text };
    }
  }
}
