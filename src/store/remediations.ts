/**
 * Remediation proposals, their approval requests, decisions and executions, over the tables of 001_init.sql
 * (remediation_actions, approvals, approval_decisions, remediation_executions). Every time is passed in by the
 * caller (its clock); no row relies on the database's now().
 */
import type pg from "pg";
import type { ProposalDocument } from "../domain/remediation.ts";

export const APPROVAL_STATUSES = ["pending", "approved", "rejected", "expired"] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const REMEDIATION_STATUSES = [
  "proposed",
  "approved",
  "rejected",
  "expired",
  "executing",
  "applied",
  "failed",
  "task_sent",
  "verified",
  "verification_failed",
  "rolled_back",
] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

export type Strategy = "immediate" | "scheduled" | "manual" | "compensating";
export type ExecutionStatus = "running" | "succeeded" | "failed";

export interface ApprovalRecord {
  id: string;
  remediationId: string;
  scanId: string | null;
  findingId: string;
  actionId: string;
  strategy: Strategy;
  remediationStatus: RemediationStatus;
  risk: string;
  document: ProposalDocument;
  priorConfiguration: Record<string, unknown> | null;
  verification: Record<string, unknown> | null;
  requestedBy: string;
  reason: string;
  status: ApprovalStatus;
  requiredApprovals: number;
  expiresAt: string;
  createdAt: string;
  decidedAt: string | null;
  /** How many approvers approved so far (counted in the same query). */
  approvalCount: number;
}

export interface DecisionRecord {
  approvalId: string;
  decidedBy: string;
  decision: "approve" | "reject";
  comment: string | null;
  decidedAt: string;
}

export interface ExecutionRecord {
  id: string;
  remediationId: string;
  idempotencyKey: string;
  status: ExecutionStatus;
  startedAt: string;
  finishedAt: string | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

export interface NewProposal {
  remediationId: string;
  approvalId: string;
  scanId: string | null;
  findingId: string;
  actionId: string;
  strategy: Strategy;
  risk: string;
  document: ProposalDocument;
  requestedBy: string;
  reason: string;
  requiredApprovals: number;
  expiresAt: Date;
  at: Date;
}

export interface ApprovalFilter {
  status?: ApprovalStatus[];
  /** Statuses of the remediation behind the request (applied, verified, …). */
  remediationStatus?: RemediationStatus[];
  scanId?: string;
  limit?: number;
  offset?: number;
}

interface JoinedRow {
  id: string;
  remediation_id: string;
  requested_by: string;
  reason: string;
  status: ApprovalStatus;
  required_approvals: number;
  expires_at: Date;
  created_at: Date;
  decided_at: Date | null;
  scan_id: string | null;
  finding_id: string;
  action_id: string;
  strategy: Strategy;
  remediation_status: RemediationStatus;
  risk: string;
  plan: ProposalDocument;
  prior_configuration: Record<string, unknown> | null;
  verification: Record<string, unknown> | null;
  approval_count: number;
}

const SELECT_JOINED = `
  SELECT a.id, a.remediation_id, a.requested_by, a.reason, a.status, a.required_approvals, a.expires_at,
         a.created_at, a.decided_at, r.scan_id, r.finding_id, r.action_id, r.strategy, r.status AS remediation_status,
         r.risk, r.plan, r.prior_configuration, r.verification,
         (SELECT count(*) FROM approval_decisions d
           WHERE d.approval_id = a.id AND d.decision = 'approve')::int AS approval_count
  FROM approvals a JOIN remediation_actions r ON r.id = a.remediation_id`;

function toApproval(r: JoinedRow): ApprovalRecord {
  return {
    id: r.id,
    remediationId: r.remediation_id,
    scanId: r.scan_id,
    findingId: r.finding_id,
    actionId: r.action_id,
    strategy: r.strategy,
    remediationStatus: r.remediation_status,
    risk: r.risk,
    document: r.plan,
    priorConfiguration: r.prior_configuration,
    verification: r.verification,
    requestedBy: r.requested_by,
    reason: r.reason,
    status: r.status,
    requiredApprovals: r.required_approvals,
    expiresAt: r.expires_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    decidedAt: r.decided_at ? r.decided_at.toISOString() : null,
    approvalCount: Number(r.approval_count),
  };
}

interface ExecutionRow {
  id: string;
  remediation_id: string;
  idempotency_key: string;
  status: ExecutionStatus;
  started_at: Date;
  finished_at: Date | null;
  result: Record<string, unknown> | null;
  error: string | null;
}

function toExecution(r: ExecutionRow): ExecutionRecord {
  return {
    id: r.id,
    remediationId: r.remediation_id,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
    result: r.result,
    error: r.error,
  };
}

export class RemediationRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /**
   * Stores a proposal and its approval request. Idempotent: the ids are derived from what is proposed, so a
   * re-run (a resumed graph node) finds the rows already there and inserts nothing. Answers whether it inserted.
   */
  async insertProposal(p: NewProposal): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO remediation_actions (id, scan_id, finding_id, action_id, strategy, status, risk, plan, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7, $8, $8)
       ON CONFLICT (id) DO NOTHING`,
      [
        p.remediationId,
        p.scanId,
        p.findingId,
        p.actionId,
        p.strategy,
        p.risk,
        JSON.stringify(p.document),
        p.at,
      ],
    );
    await this.db.query(
      `INSERT INTO approvals (id, remediation_id, requested_by, reason, status, required_approvals, expires_at, created_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7)
       ON CONFLICT (id) DO NOTHING`,
      [p.approvalId, p.remediationId, p.requestedBy, p.reason, p.requiredApprovals, p.expiresAt, p.at],
    );
    return (inserted.rowCount ?? 0) > 0;
  }

  /** One request; `forUpdate` locks its row until the transaction ends (decisions are serialised on it). */
  async findApproval(id: string, options: { forUpdate?: boolean } = {}): Promise<ApprovalRecord | undefined> {
    const { rows } = await this.db.query<JoinedRow>(
      `${SELECT_JOINED} WHERE a.id = $1${options.forUpdate ? " FOR UPDATE OF a" : ""}`,
      [id],
    );
    return rows[0] ? toApproval(rows[0]) : undefined;
  }

  async findByRemediation(remediationId: string): Promise<ApprovalRecord | undefined> {
    const { rows } = await this.db.query<JoinedRow>(`${SELECT_JOINED} WHERE a.remediation_id = $1`, [
      remediationId,
    ]);
    return rows[0] ? toApproval(rows[0]) : undefined;
  }

  async listApprovals(filter: ApprovalFilter = {}): Promise<ApprovalRecord[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.status?.length) {
      values.push(filter.status);
      where.push(`a.status = ANY($${values.length})`);
    }
    if (filter.remediationStatus?.length) {
      values.push(filter.remediationStatus);
      where.push(`r.status = ANY($${values.length})`);
    }
    if (filter.scanId) {
      values.push(filter.scanId);
      where.push(`r.scan_id = $${values.length}`);
    }
    values.push(filter.limit ?? 1000, filter.offset ?? 0);
    const { rows } = await this.db.query<JoinedRow>(
      `${SELECT_JOINED} ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY a.created_at DESC, a.id LIMIT $${values.length - 1} OFFSET $${values.length}`,
      values,
    );
    return rows.map(toApproval);
  }

  async decisions(approvalId: string): Promise<DecisionRecord[]> {
    const { rows } = await this.db.query<{
      approval_id: string;
      decided_by: string;
      decision: "approve" | "reject";
      comment: string | null;
      decided_at: Date;
    }>("SELECT * FROM approval_decisions WHERE approval_id = $1 ORDER BY decided_at, decided_by", [
      approvalId,
    ]);
    return rows.map((r) => ({
      approvalId: r.approval_id,
      decidedBy: r.decided_by,
      decision: r.decision,
      comment: r.comment,
      decidedAt: r.decided_at.toISOString(),
    }));
  }

  /** Records one person's decision; answers false when that person already decided this request. */
  async addDecision(d: Omit<DecisionRecord, "decidedAt"> & { at: Date }): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO approval_decisions (approval_id, decided_by, decision, comment, decided_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (approval_id, decided_by) DO NOTHING`,
      [d.approvalId, d.decidedBy, d.decision, d.comment, d.at],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Moves a request out of `pending`; answers false when it was no longer pending. */
  async closeApproval(id: string, status: Exclude<ApprovalStatus, "pending">, at: Date): Promise<boolean> {
    const result = await this.db.query(
      "UPDATE approvals SET status = $2, decided_at = $3 WHERE id = $1 AND status = 'pending'",
      [id, status, at],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** Pending requests whose expiry has passed at `now`. */
  async overdue(now: Date, scanId?: string): Promise<ApprovalRecord[]> {
    const values: unknown[] = [now];
    let extra = "";
    if (scanId) {
      values.push(scanId);
      extra = " AND r.scan_id = $2";
    }
    const { rows } = await this.db.query<JoinedRow>(
      `${SELECT_JOINED} WHERE a.status = 'pending' AND a.expires_at <= $1${extra} ORDER BY a.id`,
      values,
    );
    return rows.map(toApproval);
  }

  async setRemediationStatus(remediationId: string, status: RemediationStatus, at: Date): Promise<void> {
    await this.db.query("UPDATE remediation_actions SET status = $2, updated_at = $3 WHERE id = $1", [
      remediationId,
      status,
      at,
    ]);
  }

  /** Keeps the first captured prior configuration: a resumed execution must not overwrite it with "after". */
  async setPriorConfiguration(
    remediationId: string,
    prior: Record<string, unknown>,
    at: Date,
  ): Promise<void> {
    await this.db.query(
      `UPDATE remediation_actions SET prior_configuration = $2, updated_at = $3
       WHERE id = $1 AND prior_configuration IS NULL`,
      [remediationId, JSON.stringify(prior), at],
    );
  }

  async setVerification(
    remediationId: string,
    verification: Record<string, unknown>,
    status: RemediationStatus,
    at: Date,
  ): Promise<void> {
    await this.db.query(
      "UPDATE remediation_actions SET verification = $2, status = $3, updated_at = $4 WHERE id = $1",
      [remediationId, JSON.stringify(verification), status, at],
    );
  }

  /**
   * The claim: inserts the execution row unless one with the same idempotency key exists. Answers the new row
   * when this caller won the claim, undefined when someone else holds (or held) it.
   */
  async claimExecution(e: {
    id: string;
    remediationId: string;
    idempotencyKey: string;
    at: Date;
  }): Promise<ExecutionRecord | undefined> {
    const { rows } = await this.db.query<ExecutionRow>(
      `INSERT INTO remediation_executions (id, remediation_id, idempotency_key, status, started_at)
       VALUES ($1, $2, $3, 'running', $4)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING *`,
      [e.id, e.remediationId, e.idempotencyKey, e.at],
    );
    return rows[0] ? toExecution(rows[0]) : undefined;
  }

  async executionByKey(idempotencyKey: string): Promise<ExecutionRecord | undefined> {
    const { rows } = await this.db.query<ExecutionRow>(
      "SELECT * FROM remediation_executions WHERE idempotency_key = $1",
      [idempotencyKey],
    );
    return rows[0] ? toExecution(rows[0]) : undefined;
  }

  /**
   * Takes over a `running` execution whose holder started it before `staleBefore` (its process died). Atomic:
   * of several callers at most one gets the row back, and its new start time makes the claim fresh again.
   */
  async takeOverExecution(id: string, staleBefore: Date, now: Date): Promise<ExecutionRecord | undefined> {
    const { rows } = await this.db.query<ExecutionRow>(
      `UPDATE remediation_executions SET started_at = $3,
         result = jsonb_set(COALESCE(result, '{}'::jsonb), '{takeovers}',
                            to_jsonb(COALESCE((result->>'takeovers')::int, 0) + 1))
       WHERE id = $1 AND status = 'running' AND started_at < $2
       RETURNING *`,
      [id, staleBefore, now],
    );
    return rows[0] ? toExecution(rows[0]) : undefined;
  }

  async finishExecution(
    id: string,
    status: Exclude<ExecutionStatus, "running">,
    result: Record<string, unknown>,
    error: string | null,
    at: Date,
  ): Promise<void> {
    await this.db.query(
      `UPDATE remediation_executions SET status = $2, result = COALESCE(result, '{}'::jsonb) || $3::jsonb,
         error = $4, finished_at = $5
       WHERE id = $1 AND status = 'running'`,
      [id, status, JSON.stringify(result), error, at],
    );
  }

  async executions(remediationId: string): Promise<ExecutionRecord[]> {
    return (await this.executionsOf([remediationId])).get(remediationId) ?? [];
  }

  /** The executions of several remediations in one query, by remediation id. */
  async executionsOf(remediationIds: readonly string[]): Promise<Map<string, ExecutionRecord[]>> {
    const out = new Map<string, ExecutionRecord[]>(remediationIds.map((id) => [id, []]));
    if (remediationIds.length === 0) return out;
    const { rows } = await this.db.query<ExecutionRow>(
      "SELECT * FROM remediation_executions WHERE remediation_id = ANY($1) ORDER BY started_at, id",
      [remediationIds],
    );
    for (const row of rows) out.get(row.remediation_id)?.push(toExecution(row));
    return out;
  }
}
