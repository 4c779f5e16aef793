/**
 * Reads the API and the chat agent need beyond the repositories' own: the latest completed scan, counts for
 * paging and metrics, a resource's findings, finding search, what changed between scans, the API key list.
 * Filters, paging and ordering happen in SQL; plain SQL that runs on PostgreSQL and PGlite alike.
 */
import type pg from "pg";
import type { Role } from "../domain/roles.ts";
import type { ScanRecord, ScanStatus } from "../domain/scan.ts";
import type { Finding } from "../domain/types.ts";
import { NotFoundError } from "../errors.ts";
import type { ScanRepository } from "./scans.ts";
import { Conditions, containsPattern, findingReviewOrder, severityRank, statusRank } from "./sql.ts";

export interface FindingSearch {
  scanId: string;
  text?: string;
  framework?: string;
  controlId?: string;
  severity?: string[];
  status?: string[];
  service?: string;
  accountId?: string;
  region?: string;
  resourceType?: string;
  suppressed?: boolean;
  limit: number;
}

export interface ApiKeyRow {
  id: string;
  role: Role;
  name: string | null;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export class ReadModel {
  constructor(
    private readonly db: pg.Pool | pg.PoolClient,
    private readonly scans: ScanRepository,
  ) {}

  /** The database answers (readiness). */
  async ping(): Promise<void> {
    await this.db.query("select 1");
  }

  async latestCompletedScan(): Promise<ScanRecord | undefined> {
    const { rows } = await this.db.query<{ id: string }>(
      "SELECT id FROM compliance_scans WHERE status = 'completed' ORDER BY started_at DESC, id DESC LIMIT 1",
    );
    return rows[0] ? this.scans.find(rows[0].id) : undefined;
  }

  /** The scan a read is about: the one named, or the latest completed one (404 when there is none). */
  async resolveScan(scanId?: string): Promise<ScanRecord> {
    if (scanId) return this.scans.get(scanId);
    const latest = await this.latestCompletedScan();
    if (!latest) {
      throw new NotFoundError(
        'no completed scan yet; start one with POST /api/v1/scans (e.g. {"demo": true})',
      );
    }
    return latest;
  }

  async countScans(status?: ScanStatus[]): Promise<number> {
    const { rows } = status?.length
      ? await this.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM compliance_scans WHERE status = ANY($1)",
          [status],
        )
      : await this.db.query<{ n: string }>("SELECT count(*) AS n FROM compliance_scans");
    return Number(rows[0]?.n ?? 0);
  }

  /** Scans by status (the `enforceai_scans` gauge). */
  async scanCountsByStatus(): Promise<{ status: string; count: number }[]> {
    const { rows } = await this.db.query<{ status: string; n: string }>(
      "SELECT status, count(*) AS n FROM compliance_scans GROUP BY status",
    );
    return rows.map((r) => ({ status: r.status, count: Number(r.n) }));
  }

  /** Failing, unsuppressed findings of the latest completed scan by severity (the `enforceai_findings_failing` gauge). */
  async failingOfLatestBySeverity(): Promise<{ severity: string; count: number }[]> {
    const { rows } = await this.db.query<{ severity: string; n: string }>(
      `SELECT f.severity, count(*) AS n FROM scan_findings f
       WHERE f.scan_id = (SELECT id FROM compliance_scans WHERE status = 'completed'
                          ORDER BY started_at DESC, id DESC LIMIT 1)
         AND f.status = 'FAIL' AND NOT f.suppressed
       GROUP BY f.severity`,
    );
    return rows.map((r) => ({ severity: r.severity, count: Number(r.n) }));
  }

  /** What a scan concluded about one resource (every check), worst first. */
  async findingsOfResource(scanId: string, arn: string): Promise<Finding[]> {
    const { rows } = await this.db.query<{ data: Finding }>(
      `SELECT data FROM scan_findings WHERE scan_id = $1 AND data->>'resourceArn' = $2
       ORDER BY ${statusRank("status")}, finding_id`,
      [scanId, arn],
    );
    return rows.map((r) => r.data);
  }

  /** The latest completed scan that saw a resource (a cancelled or failed scan may have no findings). */
  async lastScanOfResource(arn: string): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT c.id FROM resources r
       JOIN scan_resources sr ON sr.account_id = r.account_id AND sr.region = r.region
         AND sr.resource_type = r.resource_type AND sr.resource_id = r.resource_id
       JOIN compliance_scans c ON c.id = sr.scan_id AND c.status = 'completed'
       WHERE r.arn = $1 ORDER BY c.started_at DESC, c.id DESC LIMIT 1`,
      [arn],
    );
    return rows[0]?.id ?? null;
  }

  /** Findings by filters and words of their title / check id (the chat agent's finding search). */
  async searchFindings(q: FindingSearch): Promise<{ findings: Finding[]; total: number }> {
    const where = new Conditions({ sql: "scan_id = $1", values: [q.scanId] });
    if (q.status?.length) where.add("status = ANY(?)", q.status);
    if (q.severity?.length) where.add("severity = ANY(?)", q.severity);
    if (q.service) where.add("data->>'service' = ?", q.service);
    if (q.accountId) where.add("data->>'accountId' = ?", q.accountId);
    if (q.region) where.add("data->>'region' = ?", q.region);
    if (q.resourceType) where.add("data->>'resourceType' = ?", q.resourceType);
    if (q.suppressed !== undefined) where.add("suppressed = ?", q.suppressed);
    if (q.framework) {
      const ref: Record<string, string> = { framework: q.framework };
      if (q.controlId) ref.controlId = q.controlId;
      where.add("data->'frameworks' @> ?::jsonb", JSON.stringify([ref]));
    }
    for (const word of (q.text ?? "")
      .split(/\s+/)
      .filter((w) => w.length >= 3)
      .slice(0, 5)) {
      where.add("(data->>'title' ILIKE ? OR check_id ILIKE ?)", containsPattern(word));
    }
    const total = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM scan_findings WHERE ${where.clause}`,
      [...where.values],
    );
    const limit = where.param(q.limit);
    const { rows } = await this.db.query<{ data: Finding }>(
      `SELECT data FROM scan_findings WHERE ${where.clause} ORDER BY ${findingReviewOrder()} LIMIT ${limit}`,
      where.values,
    );
    return { findings: rows.map((r) => r.data), total: Number(total.rows[0]?.n ?? 0) };
  }

  /**
   * Findings failing (unsuppressed) in scan `to` that did not fail in scan `from`, worst first: swap the
   * arguments for the ones no longer failing. One join, whatever the size of the scans.
   */
  async newFailures(from: string, to: string, limit: number): Promise<Finding[]> {
    const { rows } = await this.db.query<{ data: Finding }>(
      `SELECT t.data FROM scan_findings t
       LEFT JOIN scan_findings f ON f.scan_id = $1 AND f.finding_id = t.finding_id
       WHERE t.scan_id = $2 AND t.status = 'FAIL' AND NOT t.suppressed AND f.status IS DISTINCT FROM 'FAIL'
       ORDER BY ${severityRank("t.severity")}, t.finding_id LIMIT $3`,
      [from, to, limit],
    );
    return rows.map((r) => r.data);
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    const { rows } = await this.db.query<{
      id: string;
      role: Role;
      name: string | null;
      created_by: string;
      created_at: Date;
      last_used_at: Date | null;
      revoked_at: Date | null;
    }>(
      "SELECT id, role, name, created_by, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id",
    );
    return rows.map((r) => ({
      id: r.id,
      role: r.role,
      name: r.name,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      lastUsedAt: r.last_used_at?.toISOString() ?? null,
      revokedAt: r.revoked_at?.toISOString() ?? null,
    }));
  }

  /** Keys not revoked (the server says how to create the first one). */
  async activeApiKeyCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL",
    );
    return Number(rows[0]?.n ?? 0);
  }
}
