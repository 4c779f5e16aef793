/**
 * Read queries the API and the chat agent need beyond the repositories' own: the latest completed scan, counts
 * for paging, a resource's findings, the API key list. Plain SQL that runs on PostgreSQL and PGlite alike.
 */

import type { Role } from "../domain/roles.ts";
import type { ScanRecord, ScanStatus } from "../domain/scan.ts";
import type { Finding } from "../domain/types.ts";
import { NotFoundError } from "../errors.ts";
import type { Store } from "./index.ts";

export async function latestCompletedScan(store: Store): Promise<ScanRecord | undefined> {
  const { rows } = await store.db.pool.query<{ id: string }>(
    "SELECT id FROM compliance_scans WHERE status = 'completed' ORDER BY started_at DESC, id DESC LIMIT 1",
  );
  return rows[0] ? store.scans.find(rows[0].id) : undefined;
}

/** The scan a read is about: the one named, or the latest completed one (404 when there is none). */
export async function resolveScan(store: Store, scanId?: string): Promise<ScanRecord> {
  if (scanId) return store.scans.get(scanId);
  const latest = await latestCompletedScan(store);
  if (!latest) {
    throw new NotFoundError('no completed scan yet; start one with POST /api/v1/scans (e.g. {"demo": true})');
  }
  return latest;
}

export async function countScans(store: Store, status?: ScanStatus[]): Promise<number> {
  const { rows } = status?.length
    ? await store.db.pool.query<{ n: string }>(
        "SELECT count(*) AS n FROM compliance_scans WHERE status = ANY($1)",
        [status],
      )
    : await store.db.pool.query<{ n: string }>("SELECT count(*) AS n FROM compliance_scans");
  return Number(rows[0]?.n ?? 0);
}

/** What a scan concluded about one resource (every check), worst first. */
export async function findingsOfResource(store: Store, scanId: string, arn: string): Promise<Finding[]> {
  const { rows } = await store.db.pool.query<{ data: Finding }>(
    `SELECT data FROM scan_findings WHERE scan_id = $1 AND data->>'resourceArn' = $2
     ORDER BY CASE status WHEN 'FAIL' THEN 0 WHEN 'ERROR' THEN 1 WHEN 'MANUAL' THEN 2 ELSE 3 END, finding_id`,
    [scanId, arn],
  );
  return rows.map((r) => r.data);
}

/** The latest completed scan that saw a resource (a cancelled or failed scan may have no findings). */
export async function lastScanOfResource(store: Store, arn: string): Promise<string | null> {
  const { rows } = await store.db.pool.query<{ id: string }>(
    `SELECT c.id FROM resources r
     JOIN scan_resources sr ON sr.account_id = r.account_id AND sr.region = r.region
       AND sr.resource_type = r.resource_type AND sr.resource_id = r.resource_id
     JOIN compliance_scans c ON c.id = sr.scan_id AND c.status = 'completed'
     WHERE r.arn = $1 ORDER BY c.started_at DESC, c.id DESC LIMIT 1`,
    [arn],
  );
  return rows[0]?.id ?? null;
}

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

/** Findings by filters and words of their title / check id (the chat agent's finding search). */
export async function searchFindings(
  store: Store,
  q: FindingSearch,
): Promise<{ findings: Finding[]; total: number }> {
  const values: unknown[] = [q.scanId];
  const where = ["scan_id = $1"];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replaceAll("?", `$${values.length}`));
  };
  if (q.status?.length) add("status = ANY(?)", q.status);
  if (q.severity?.length) add("severity = ANY(?)", q.severity);
  if (q.service) add("data->>'service' = ?", q.service);
  if (q.accountId) add("data->>'accountId' = ?", q.accountId);
  if (q.region) add("data->>'region' = ?", q.region);
  if (q.resourceType) add("data->>'resourceType' = ?", q.resourceType);
  if (q.suppressed !== undefined) add("suppressed = ?", q.suppressed);
  if (q.framework) {
    const ref: Record<string, string> = { framework: q.framework };
    if (q.controlId) ref.controlId = q.controlId;
    add("data->'frameworks' @> ?::jsonb", JSON.stringify([ref]));
  }
  for (const word of (q.text ?? "")
    .split(/\s+/)
    .filter((w) => w.length >= 3)
    .slice(0, 5)) {
    add("(data->>'title' ILIKE ? OR check_id ILIKE ?)", `%${word.replace(/[%_\\]/g, "\\$&")}%`);
  }
  const clause = where.join(" AND ");
  const total = await store.db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM scan_findings WHERE ${clause}`,
    values,
  );
  values.push(q.limit);
  const { rows } = await store.db.pool.query<{ data: Finding }>(
    `SELECT data FROM scan_findings WHERE ${clause}
     ORDER BY CASE status WHEN 'FAIL' THEN 0 WHEN 'ERROR' THEN 1 WHEN 'MANUAL' THEN 2 ELSE 3 END,
       CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END,
       finding_id
     LIMIT $${values.length}`,
    values,
  );
  return { findings: rows.map((r) => r.data), total: Number(total.rows[0]?.n ?? 0) };
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

export async function listApiKeys(store: Store): Promise<ApiKeyRow[]> {
  const { rows } = await store.db.pool.query<{
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
