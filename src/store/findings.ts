import type pg from "pg";
import type { Finding, FindingStatus, Severity } from "../domain/types.ts";
import { batches } from "./resources.ts";

export interface FindingFilter {
  scanId: string;
  status?: FindingStatus[];
  severity?: Severity[];
  checkId?: string;
  service?: string;
  accountId?: string;
  region?: string;
  framework?: string;
  controlId?: string;
  suppressed?: boolean;
  limit?: number;
  offset?: number;
}

export interface FindingLife {
  id: string;
  status: FindingStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  firstFailedAt: string | null;
  resolvedAt: string | null;
  history: { scanId: string; at: string; from: FindingStatus | null; to: FindingStatus }[];
}

export class FindingRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /**
   * Stores a scan's findings and moves each stable finding along its life: first seen, last seen, first
   * failed, resolved (FAIL → PASS), with a history row for every status change. Idempotent per scan.
   */
  async recordScan(scanId: string, findings: readonly Finding[], at: Date): Promise<void> {
    for (const batch of batches(findings)) {
      const json = JSON.stringify(
        batch.map((f) => ({
          id: f.id,
          a: f.accountId,
          r: f.region,
          c: f.checkId,
          t: f.resourceType,
          ri: f.resourceId,
          arn: f.resourceArn,
          sv: f.service,
          sev: f.severity,
          st: f.status,
          why: f.reason,
          sup: f.suppressed,
          data: f,
        })),
      );
      await this.db.query(
        `INSERT INTO scan_findings (scan_id, finding_id, status, severity, check_id, suppressed, data)
         SELECT $2, id, st, sev, c, sup, data FROM jsonb_to_recordset($1::jsonb)
           AS x(id text, st text, sev text, c text, sup boolean, data jsonb)
         ON CONFLICT (scan_id, finding_id) DO UPDATE SET status = excluded.status, severity = excluded.severity,
           suppressed = excluded.suppressed, data = excluded.data`,
        [json, scanId],
      );
      await this.db.query(
        `INSERT INTO finding_history (finding_id, scan_id, at, from_status, to_status)
         SELECT x.id, $2, $3, f.status, x.st
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, st text)
         LEFT JOIN findings f ON f.id = x.id
         WHERE (f.status IS DISTINCT FROM x.st) AND (f.last_scan_id IS DISTINCT FROM $2)
         ON CONFLICT DO NOTHING`,
        [json, scanId, at],
      );
      await this.db.query(
        `INSERT INTO findings (id, account_id, region, check_id, resource_type, resource_id, resource_arn, service,
                               severity, status, reason, first_seen_at, last_seen_at, first_seen_scan_id, last_scan_id,
                               first_failed_at, resolved_at)
         SELECT id, a, r, c, t, ri, arn, sv, sev, st, why, $3, $3, $2, $2, CASE WHEN st = 'FAIL' THEN $3::timestamptz END, NULL
         FROM jsonb_to_recordset($1::jsonb)
           AS x(id text, a text, r text, c text, t text, ri text, arn text, sv text, sev text, st text, why text)
         ON CONFLICT (id) DO UPDATE SET
           severity = excluded.severity,
           reason = excluded.reason,
           last_seen_at = excluded.last_seen_at,
           last_scan_id = excluded.last_scan_id,
           first_failed_at = COALESCE(findings.first_failed_at, excluded.first_failed_at),
           resolved_at = CASE
             WHEN excluded.status = 'FAIL' THEN NULL
             WHEN findings.status = 'FAIL' AND excluded.status = 'PASS' THEN excluded.last_seen_at
             ELSE findings.resolved_at END,
           status = excluded.status`,
        [json, scanId, at],
      );
    }
  }

  async list(filter: FindingFilter): Promise<{ findings: Finding[]; total: number }> {
    const values: unknown[] = [filter.scanId];
    const where = ["s.scan_id = $1"];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replaceAll("?", `$${values.length}`));
    };
    if (filter.status?.length) add("s.status = ANY(?)", filter.status);
    if (filter.severity?.length) add("s.severity = ANY(?)", filter.severity);
    if (filter.checkId) add("s.check_id = ?", filter.checkId);
    if (filter.service) add("s.data->>'service' = ?", filter.service);
    if (filter.accountId) add("s.data->>'accountId' = ?", filter.accountId);
    if (filter.region) add("s.data->>'region' = ?", filter.region);
    if (filter.suppressed !== undefined) add("s.suppressed = ?", filter.suppressed);
    if (filter.framework) {
      const ref: Record<string, string> = { framework: filter.framework };
      if (filter.controlId) ref.controlId = filter.controlId;
      add("s.data->'frameworks' @> ?::jsonb", JSON.stringify([ref]));
    }
    const clause = where.join(" AND ");
    const total = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM scan_findings s WHERE ${clause}`,
      values,
    );
    values.push(filter.limit ?? 100, filter.offset ?? 0);
    const { rows } = await this.db.query<{ data: Finding }>(
      `SELECT s.data FROM scan_findings s WHERE ${clause}
       ORDER BY CASE s.status WHEN 'FAIL' THEN 0 WHEN 'ERROR' THEN 1 WHEN 'MANUAL' THEN 2 ELSE 3 END,
         CASE s.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
         s.finding_id
       LIMIT $${values.length - 1} OFFSET $${values.length}`,
      values,
    );
    return { findings: rows.map((r) => r.data), total: Number(total.rows[0]?.n ?? 0) };
  }

  /** Merges fields (explanation, assessment) into stored findings of a scan; verdict fields are not touched. */
  async annotate(
    scanId: string,
    patches: ReadonlyMap<string, Pick<Finding, "explanation" | "assessment">>,
  ): Promise<void> {
    const rows = [...patches].map(([id, patch]) => ({ id, patch }));
    for (const batch of batches(rows)) {
      await this.db.query(
        `UPDATE scan_findings s SET data = s.data || x.patch
         FROM jsonb_to_recordset($1::jsonb) AS x(id text, patch jsonb)
         WHERE s.scan_id = $2 AND s.finding_id = x.id`,
        [JSON.stringify(batch), scanId],
      );
    }
  }

  /** Every finding of a scan, in report order. */
  async allOfScan(scanId: string): Promise<Finding[]> {
    const { rows } = await this.db.query<{ data: Finding }>(
      "SELECT data FROM scan_findings WHERE scan_id = $1 ORDER BY finding_id",
      [scanId],
    );
    return rows.map((r) => r.data);
  }

  async life(findingId: string): Promise<FindingLife | undefined> {
    const { rows } = await this.db.query<{
      id: string;
      status: FindingStatus;
      first_seen_at: Date;
      last_seen_at: Date;
      first_failed_at: Date | null;
      resolved_at: Date | null;
    }>("SELECT * FROM findings WHERE id = $1", [findingId]);
    const f = rows[0];
    if (!f) return undefined;
    const history = await this.db.query<{
      scan_id: string;
      at: Date;
      from_status: FindingStatus | null;
      to_status: FindingStatus;
    }>("SELECT * FROM finding_history WHERE finding_id = $1 ORDER BY at, scan_id", [findingId]);
    return {
      id: f.id,
      status: f.status,
      firstSeenAt: f.first_seen_at.toISOString(),
      lastSeenAt: f.last_seen_at.toISOString(),
      firstFailedAt: f.first_failed_at?.toISOString() ?? null,
      resolvedAt: f.resolved_at?.toISOString() ?? null,
      history: history.rows.map((h) => ({
        scanId: h.scan_id,
        at: h.at.toISOString(),
        from: h.from_status,
        to: h.to_status,
      })),
    };
  }
}
