import type pg from "pg";
import type { LifeStatus } from "../domain/changes.ts";
import type { Finding, FindingStatus, Severity } from "../domain/types.ts";
import { batches } from "./resources.ts";
import { Conditions, findingReviewOrder } from "./sql.ts";

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
  status: LifeStatus;
  firstSeenAt: string;
  lastSeenAt: string;
  firstFailedAt: string | null;
  resolvedAt: string | null;
  history: { scanId: string; at: string; from: LifeStatus | null; to: LifeStatus }[];
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

  /**
   * Moves findings along their life after an event-driven evaluation (not a scan): status, reason, first
   * failed, resolved, with a history row per status change under the evaluation's id. `gone` are the resources
   * deleted: their findings become GONE (resolved when they were failing). Answers the status changes.
   */
  async recordEvaluation(
    evaluationId: string,
    findings: readonly Finding[],
    gone: readonly { accountId: string; resourceType: string; resourceId: string }[],
    at: Date,
    /** Verdicts on the previous state, for findings this store has not tracked yet (their `from`). */
    prior: ReadonlyMap<string, FindingStatus> = new Map(),
  ): Promise<
    {
      findingId: string;
      from: FindingStatus | "GONE" | null;
      to: FindingStatus | "GONE";
      finding?: Finding;
    }[]
  > {
    const ids = findings.map((f) => f.id);
    const current = new Map<string, FindingStatus | "GONE">();
    if (ids.length > 0) {
      const { rows } = await this.db.query<{ id: string; status: FindingStatus | "GONE" }>(
        "SELECT id, status FROM findings WHERE id = ANY($1::text[]) FOR UPDATE",
        [ids],
      );
      for (const r of rows) current.set(r.id, r.status);
    }
    const changes: {
      findingId: string;
      from: FindingStatus | "GONE" | null;
      to: FindingStatus | "GONE";
      finding?: Finding;
    }[] = [];
    for (const f of findings) {
      const from = current.get(f.id) ?? prior.get(f.id) ?? null;
      if (from !== f.status) changes.push({ findingId: f.id, from, to: f.status, finding: f });
    }
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
        })),
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
           first_failed_at = COALESCE(findings.first_failed_at, excluded.first_failed_at),
           resolved_at = CASE
             WHEN excluded.status = 'FAIL' THEN NULL
             WHEN findings.status = 'FAIL' AND excluded.status = 'PASS' THEN excluded.last_seen_at
             ELSE findings.resolved_at END,
           status = excluded.status`,
        [json, evaluationId, at],
      );
    }
    if (gone.length > 0) {
      const { rows } = await this.db.query<{ id: string; status: FindingStatus }>(
        `SELECT f.id, f.status FROM findings f
         JOIN jsonb_to_recordset($1::jsonb) AS x(a text, t text, i text)
           ON f.account_id = x.a AND f.resource_type = x.t AND f.resource_id = x.i
         WHERE f.status <> 'GONE' FOR UPDATE OF f`,
        [JSON.stringify(gone.map((g) => ({ a: g.accountId, t: g.resourceType, i: g.resourceId })))],
      );
      if (rows.length > 0) {
        await this.db.query(
          `UPDATE findings SET status = 'GONE', last_seen_at = $2,
             resolved_at = CASE WHEN status = 'FAIL' THEN $2::timestamptz ELSE resolved_at END
           WHERE id = ANY($1::text[])`,
          [rows.map((r) => r.id), at],
        );
      }
      for (const r of rows) changes.push({ findingId: r.id, from: r.status, to: "GONE" });
    }
    if (changes.length > 0) {
      await this.db.query(
        `INSERT INTO finding_history (finding_id, scan_id, at, from_status, to_status)
         SELECT id, $2, $3, f, t FROM jsonb_to_recordset($1::jsonb) AS x(id text, f text, t text)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(changes.map((c) => ({ id: c.findingId, f: c.from, t: c.to }))), evaluationId, at],
      );
    }
    return changes;
  }

  async list(filter: FindingFilter): Promise<{ findings: Finding[]; total: number }> {
    const where = new Conditions({ sql: "s.scan_id = $1", values: [filter.scanId] });
    if (filter.status?.length) where.add("s.status = ANY(?)", filter.status);
    if (filter.severity?.length) where.add("s.severity = ANY(?)", filter.severity);
    if (filter.checkId) where.add("s.check_id = ?", filter.checkId);
    if (filter.service) where.add("s.data->>'service' = ?", filter.service);
    if (filter.accountId) where.add("s.data->>'accountId' = ?", filter.accountId);
    if (filter.region) where.add("s.data->>'region' = ?", filter.region);
    if (filter.suppressed !== undefined) where.add("s.suppressed = ?", filter.suppressed);
    if (filter.framework) {
      const ref: Record<string, string> = { framework: filter.framework };
      if (filter.controlId) ref.controlId = filter.controlId;
      where.add("s.data->'frameworks' @> ?::jsonb", JSON.stringify([ref]));
    }
    const total = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM scan_findings s WHERE ${where.clause}`,
      [...where.values],
    );
    const limit = where.param(filter.limit ?? 100);
    const offset = where.param(filter.offset ?? 0);
    const { rows } = await this.db.query<{ data: Finding }>(
      `SELECT s.data FROM scan_findings s WHERE ${where.clause}
       ORDER BY ${findingReviewOrder("s.")}
       LIMIT ${limit} OFFSET ${offset}`,
      where.values,
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

  /** One finding of a scan, as the scan concluded it. */
  async find(scanId: string, findingId: string): Promise<Finding | undefined> {
    const { rows } = await this.db.query<{ data: Finding }>(
      "SELECT data FROM scan_findings WHERE scan_id = $1 AND finding_id = $2",
      [scanId, findingId],
    );
    return rows[0]?.data;
  }

  /**
   * A scan's findings in id order; `statuses` narrows them in SQL, so a step that needs only the failing ones
   * does not read (and parse) the passed majority of a large scan.
   */
  async allOfScan(scanId: string, statuses?: readonly FindingStatus[]): Promise<Finding[]> {
    const { rows } = statuses
      ? await this.db.query<{ data: Finding }>(
          "SELECT data FROM scan_findings WHERE scan_id = $1 AND status = ANY($2::text[]) ORDER BY finding_id",
          [scanId, statuses],
        )
      : await this.db.query<{ data: Finding }>(
          "SELECT data FROM scan_findings WHERE scan_id = $1 ORDER BY finding_id",
          [scanId],
        );
    return rows.map((r) => r.data);
  }

  async life(findingId: string): Promise<FindingLife | undefined> {
    return (await this.lives([findingId]))[0];
  }

  /** The lives of several findings, in the order asked (unknown ids left out): two queries for any number. */
  async lives(findingIds: readonly string[]): Promise<FindingLife[]> {
    if (findingIds.length === 0) return [];
    const { rows } = await this.db.query<{
      id: string;
      status: FindingStatus;
      first_seen_at: Date;
      last_seen_at: Date;
      first_failed_at: Date | null;
      resolved_at: Date | null;
    }>("SELECT * FROM findings WHERE id = ANY($1::text[])", [findingIds]);
    if (rows.length === 0) return [];
    const history = await this.db.query<{
      finding_id: string;
      scan_id: string;
      at: Date;
      from_status: FindingStatus | null;
      to_status: FindingStatus;
    }>("SELECT * FROM finding_history WHERE finding_id = ANY($1::text[]) ORDER BY at, scan_id", [
      rows.map((r) => r.id),
    ]);
    const historyOf = new Map<string, FindingLife["history"]>();
    for (const h of history.rows) {
      const list = historyOf.get(h.finding_id) ?? [];
      list.push({ scanId: h.scan_id, at: h.at.toISOString(), from: h.from_status, to: h.to_status });
      historyOf.set(h.finding_id, list);
    }
    const byId = new Map(rows.map((f) => [f.id, f]));
    return findingIds.flatMap((id) => {
      const f = byId.get(id);
      if (!f) return [];
      return [
        {
          id: f.id,
          status: f.status,
          firstSeenAt: f.first_seen_at.toISOString(),
          lastSeenAt: f.last_seen_at.toISOString(),
          firstFailedAt: f.first_failed_at?.toISOString() ?? null,
          resolvedAt: f.resolved_at?.toISOString() ?? null,
          history: historyOf.get(f.id) ?? [],
        },
      ];
    });
  }
}
