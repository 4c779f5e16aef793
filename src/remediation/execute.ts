/**
 * Exactly-once execution of an approved action.
 *
 * 1. Claim: `INSERT INTO remediation_executions … ON CONFLICT (idempotency_key) DO NOTHING`, with the key
 *    `${approvalId}:${planHash}`. Of any number of concurrent callers (two approvals at the same moment, a
 *    resume running twice, two workers) exactly one gets the row; the others see it and do nothing.
 * 2. Re-check: read the live value of every planned field (this is also the prior configuration, stored before
 *    any change). Already at `after` → nothing is sent (the change is in place). A field at neither `before`
 *    nor `after` → the resource drifted since the approval: nothing is sent, the execution fails.
 * 3. Side effect: the planned calls (only the remaining ones when a resumed run finds part of the change made).
 * 4. Result: succeeded or failed, with every call and its outcome, in one transaction with the audit entry.
 *
 * A process that dies after the claim leaves a `running` row. A later run treats it as abandoned once its start
 * is older than the lease (ENFORCEAI_REMEDIATION_LEASE_SECONDS), takes it over atomically (one winner), and goes
 * through step 2 again, so a change that was already sent is not sent twice.
 */
import { randomBytes } from "node:crypto";
import { errorCode, errorText, isAccessDenied } from "../../tools/aws/collector.ts";
import type { RemediationAws } from "../../tools/aws/remediation-access.ts";
import { iamActionOf } from "../../tools/remediation/commands.ts";
import { getAction } from "../../tools/remediation/index.ts";
import { sameValue } from "../../tools/remediation/util.ts";
import type { RemediationSettings } from "../config/remediation.ts";
import type { PlannedCall, ProposalDocument, RemediationPlan } from "../domain/remediation.ts";
import type { Clock } from "../domain/types.ts";
import { ConfigError, errorMessage } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { postWebhook, taskMessage } from "../notify/webhook.ts";
import { inWindow, nextWindowStart } from "../planning/window.ts";
import { AuditLog } from "../store/audit.ts";
import { withTransaction } from "../store/database.ts";
import type { Store } from "../store/index.ts";
import {
  type ApprovalRecord,
  type ExecutionRecord,
  RemediationRepository,
  type RemediationStatus,
} from "../store/remediations.ts";

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

export interface ExecutionContext {
  store: Store;
  clock: Clock;
  settings: RemediationSettings;
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

async function finish(
  ctx: ExecutionContext,
  rec: ApprovalRecord,
  execution: ExecutionRecord,
  status: "succeeded" | "failed",
  result: Record<string, unknown>,
  error: string | null,
  remediationStatus: RemediationStatus,
): Promise<void> {
  const at = ctx.clock();
  await withTransaction(ctx.store.db.pool, async (client) => {
    const repo = new RemediationRepository(client);
    await repo.finishExecution(execution.id, status, result, error, at);
    await repo.setRemediationStatus(rec.remediationId, remediationStatus, at);
    await new AuditLog(client).append({
      at,
      actor: "enforceai",
      action: status === "succeeded" ? "remediation.executed" : "remediation.execution_failed",
      subjectType: "approval",
      subjectId: rec.id,
      details: { executionId: execution.id, actionId: rec.actionId, result, error },
    });
  });
}

/** Runs one approved request, at most once for its plan. Never throws for an AWS failure: it is recorded. */
export async function executeApproval(
  ctx: ExecutionContext,
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
  const now = ctx.clock();
  if (rec.strategy === "scheduled") {
    const window = ctx.settings.maintenanceWindow;
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

  // Credentials first: without them nothing is claimed, so the request stays runnable once they are set.
  let client: RemediationAws | undefined;
  if (rec.strategy === "immediate" || rec.strategy === "scheduled") {
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
  }

  const repo = new RemediationRepository(ctx.store.db.pool);
  const key = idempotencyKey(rec.id, doc);
  let execution = await repo.claimExecution({
    id: newExecutionId(),
    remediationId: rec.remediationId,
    idempotencyKey: key,
    at: now,
  });
  let recovered = false;
  if (!execution) {
    const existing = await repo.executionByKey(key);
    if (!existing) return { ...base, outcome: "in-progress", reason: "the execution row is being written" };
    if (existing.status !== "running") {
      return {
        ...base,
        outcome: "already-executed",
        executionId: existing.id,
        reason: `already ${existing.status} (execution ${existing.id})`,
      };
    }
    const staleBefore = new Date(now.getTime() - ctx.settings.leaseSeconds * 1000);
    const taken = await repo.takeOverExecution(existing.id, staleBefore, now);
    if (!taken) {
      return {
        ...base,
        outcome: "in-progress",
        executionId: existing.id,
        reason: `execution ${existing.id} is running (started ${existing.startedAt})`,
      };
    }
    execution = taken;
    recovered = true;
  }
  await new AuditLog(ctx.store.db.pool).append({
    at: now,
    actor: "enforceai",
    action: recovered ? "remediation.execution_recovered" : "remediation.execution_started",
    subjectType: "approval",
    subjectId: rec.id,
    details: { executionId: execution.id, idempotencyKey: key, actionId: rec.actionId },
  });
  await new RemediationRepository(ctx.store.db.pool).setRemediationStatus(
    rec.remediationId,
    "executing",
    now,
  );
  await options.hooks?.afterClaim?.(rec.id);

  if (rec.strategy === "manual" || rec.strategy === "compensating") {
    return runTask(ctx, rec, execution, recovered);
  }
  return runPlan(ctx, rec, execution, recovered, client!, options.hooks);
}

async function runTask(
  ctx: ExecutionContext,
  rec: ApprovalRecord,
  execution: ExecutionRecord,
  recovered: boolean,
): Promise<ExecutionOutcome> {
  const base = { ...outcomeBase(rec), executionId: execution.id, recovered };
  const doc = rec.document;
  const task = doc.strategy.task ?? { title: doc.plan?.title ?? rec.actionId, steps: [] };
  const decisions = await new RemediationRepository(ctx.store.db.pool).decisions(rec.id);
  const message = taskMessage({
    approvalId: rec.id,
    strategy: rec.strategy as "manual" | "compensating",
    task,
    resourceArn: doc.plan?.target.arn ?? doc.findings[0]?.resourceArn ?? "",
    findings: doc.findings,
    approvedBy: decisions.filter((d) => d.decision === "approve").map((d) => d.decidedBy),
  });
  const url = ctx.settings.webhookUrl;
  if (!url) {
    const result = {
      task,
      delivered: false,
      reason: "ENFORCEAI_WEBHOOK_URL is not set; the task is kept with the request",
    };
    await finish(ctx, rec, execution, "succeeded", result, null, "task_sent");
    return { ...base, outcome: "succeeded", reason: result.reason };
  }
  try {
    const status = await postWebhook(url, message, { fetchImpl: ctx.fetchImpl });
    await finish(
      ctx,
      rec,
      execution,
      "succeeded",
      { task, delivered: true, httpStatus: status },
      null,
      "task_sent",
    );
    return { ...base, outcome: "succeeded", reason: "the task was posted to the webhook" };
  } catch (error) {
    const text = errorMessage(error);
    await finish(ctx, rec, execution, "failed", { task, delivered: false }, text, "failed");
    return { ...base, outcome: "failed", error: text };
  }
}

async function runPlan(
  ctx: ExecutionContext,
  rec: ApprovalRecord,
  execution: ExecutionRecord,
  recovered: boolean,
  aws: RemediationAws,
  hooks: ExecuteHooks | undefined,
): Promise<ExecutionOutcome> {
  const base = { ...outcomeBase(rec), executionId: execution.id, recovered };
  const plan = rec.document.plan;
  const action = getAction(rec.actionId);
  const fail = async (error: string, result: Record<string, unknown> = {}) => {
    await finish(ctx, rec, execution, "failed", { ...result, recovered }, error, "failed");
    return { ...base, outcome: "failed" as const, error };
  };
  if (!plan || !action)
    return fail(`no automatic plan for ${rec.actionId}: ${rec.document.planError ?? "unknown action"}`);
  let current: Record<string, unknown>;
  try {
    current = await action.read(aws.exec, plan);
  } catch (error) {
    const text = isAccessDenied(error)
      ? `${errorCode(error)}: the remediation credentials cannot read the current configuration (${action.operations.read.join(", ")}): ${errorText(error)}`
      : `${errorCode(error)}: reading the current configuration failed: ${errorText(error)}`;
    return fail(text, { credentials: aws.identity });
  }
  const repo = new RemediationRepository(ctx.store.db.pool);
  await repo.setPriorConfiguration(rec.remediationId, current, ctx.clock());

  const fields = Object.keys(plan.before);
  const drifted = fields.filter(
    (f) => !sameValue(current[f], plan.before[f]) && !sameValue(current[f], plan.after[f]),
  );
  if (drifted.length > 0) {
    const detail = drifted
      .slice(0, 3)
      .map(
        (f) =>
          `${f} is ${JSON.stringify(current[f] ?? null)} (planned from ${JSON.stringify(plan.before[f] ?? null)})`,
      )
      .join("; ");
    return fail(
      `the resource changed since the plan was approved: ${detail}; nothing was sent — scan again for a new proposal`,
      { current },
    );
  }
  const done = fields.filter((f) => sameValue(current[f], plan.after[f]));
  if (done.length === fields.length) {
    await finish(
      ctx,
      rec,
      execution,
      "succeeded",
      { calls: [], alreadyApplied: true, recovered, credentials: aws.identity },
      null,
      "applied",
    );
    return { ...base, outcome: "succeeded", alreadyApplied: true, calls: [] };
  }
  const calls = done.length > 0 && action.remainingCalls ? action.remainingCalls(plan, current) : plan.calls;
  const sent: (PlannedCall & { ok: boolean; error?: string })[] = [];
  for (const call of calls) {
    try {
      await aws.exec(call);
      sent.push({ ...call, ok: true });
    } catch (error) {
      const text = describeCallError(call, error);
      sent.push({ ...call, ok: false, error: text });
      ctx.logger?.warn({ approvalId: rec.id, call: `${call.service}:${call.operation}` }, text);
      return fail(text, { calls: sent, credentials: aws.identity });
    }
  }
  await hooks?.afterApply?.(rec.id);
  await finish(
    ctx,
    rec,
    execution,
    "succeeded",
    { calls: sent, alreadyApplied: false, recovered, credentials: aws.identity },
    null,
    "applied",
  );
  return { ...base, outcome: "succeeded", calls };
}
