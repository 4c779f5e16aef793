import type pg from "pg";
import type { OrganizationMap } from "../domain/organization.ts";
import type { FrameworkScore, ScanRecord, ScanStatus } from "../domain/scan.ts";
import type { CoverageGap } from "../domain/types.ts";
import type { ScanPosture } from "../engine/scoring.ts";
import { NotFoundError } from "../errors.ts";

interface ScanRow {
  id: string;
  status: ScanStatus;
  source: ScanRecord["source"];
  requested_by: string;
  started_at: Date;
  completed_at: Date | null;
  accounts: string[];
  regions: string[];
  frameworks: string[];
  options: Record<string, unknown>;
  resource_count: number;
  finding_count: number;
  coverage_gaps: CoverageGap[];
  scores: Record<string, FrameworkScore>;
  llm: ScanRecord["llm"];
  error: string | null;
}

function toRecord(r: ScanRow): ScanRecord {
  return {
    id: r.id,
    status: r.status,
    source: r.source,
    requestedBy: r.requested_by,
    startedAt: r.started_at.toISOString(),
    completedAt: r.completed_at ? r.completed_at.toISOString() : null,
    accounts: r.accounts,
    regions: r.regions,
    frameworks: r.frameworks,
    options: r.options,
    resourceCount: r.resource_count,
    findingCount: r.finding_count,
    coverageGaps: r.coverage_gaps,
    scores: r.scores,
    llm: r.llm,
    error: r.error,
  };
}

export interface NewScan {
  id: string;
  source: ScanRecord["source"];
  requestedBy: string;
  startedAt: Date;
  frameworks: string[];
  options?: Record<string, unknown>;
}

export type ScanUpdate = Partial<
  Pick<
    ScanRecord,
    | "status"
    | "accounts"
    | "regions"
    | "resourceCount"
    | "findingCount"
    | "coverageGaps"
    | "scores"
    | "llm"
    | "error"
    | "completedAt"
  >
>;

const COLUMN: Record<keyof ScanUpdate, { name: string; json: boolean }> = {
  status: { name: "status", json: false },
  accounts: { name: "accounts", json: true },
  regions: { name: "regions", json: true },
  resourceCount: { name: "resource_count", json: false },
  findingCount: { name: "finding_count", json: false },
  coverageGaps: { name: "coverage_gaps", json: true },
  scores: { name: "scores", json: true },
  llm: { name: "llm", json: true },
  error: { name: "error", json: false },
  completedAt: { name: "completed_at", json: false },
};

/** Every column but the posture, which only reports read (it holds every control of every framework). */
const SCAN_COLUMNS =
  "id, status, source, requested_by, started_at, completed_at, accounts, regions, frameworks, options, " +
  "resource_count, finding_count, coverage_gaps, scores, llm, error";

export class ScanRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async create(scan: NewScan): Promise<ScanRecord> {
    const { rows } = await this.db.query<ScanRow>(
      `INSERT INTO compliance_scans (id, status, source, requested_by, started_at, frameworks, options)
       VALUES ($1, 'running', $2, $3, $4, $5, $6) RETURNING ${SCAN_COLUMNS}`,
      [
        scan.id,
        scan.source,
        scan.requestedBy,
        scan.startedAt,
        JSON.stringify(scan.frameworks),
        scan.options ?? {},
      ],
    );
    return toRecord(rows[0]!);
  }

  async update(id: string, changes: ScanUpdate): Promise<ScanRecord> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    for (const [key, value] of Object.entries(changes) as [keyof ScanUpdate, unknown][]) {
      if (value === undefined) continue;
      const col = COLUMN[key];
      values.push(col.json ? JSON.stringify(value) : value);
      sets.push(`${col.name} = $${values.length}`);
    }
    if (sets.length === 0) return this.get(id);
    const { rows } = await this.db.query<ScanRow>(
      `UPDATE compliance_scans SET ${sets.join(", ")} WHERE id = $1 RETURNING ${SCAN_COLUMNS}`,
      values,
    );
    if (!rows[0])
      throw new NotFoundError(`scan ${id} does not exist; list scans with \`enforceai scans list\``);
    return toRecord(rows[0]);
  }

  async find(id: string): Promise<ScanRecord | undefined> {
    const { rows } = await this.db.query<ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM compliance_scans WHERE id = $1`,
      [id],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async get(id: string): Promise<ScanRecord> {
    const scan = await this.find(id);
    if (!scan) throw new NotFoundError(`scan ${id} does not exist; list scans with \`enforceai scans list\``);
    return scan;
  }

  async list(
    options: { status?: ScanStatus[]; limit?: number; offset?: number } = {},
  ): Promise<ScanRecord[]> {
    const values: unknown[] = [options.limit ?? 50, options.offset ?? 0];
    let where = "";
    if (options.status?.length) {
      values.push(options.status);
      where = `WHERE status = ANY($${values.length})`;
    }
    const { rows } = await this.db.query<ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM compliance_scans ${where} ORDER BY started_at DESC, id DESC LIMIT $1 OFFSET $2`,
      values,
    );
    return rows.map(toRecord);
  }

  /** The completed scans before `scanId` (newest first), for trends and "what changed". */
  async previousCompleted(before: Date, limit = 10): Promise<ScanRecord[]> {
    const { rows } = await this.db.query<ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM compliance_scans WHERE status = 'completed' AND started_at < $1
       ORDER BY started_at DESC LIMIT $2`,
      [before, limit],
    );
    return rows.map(toRecord);
  }

  /** The newest evaluated scan (completed or awaiting approval) that covered `accountId`. */
  async latestEvaluatedFor(accountId: string): Promise<ScanRecord | undefined> {
    const { rows } = await this.db.query<ScanRow>(
      `SELECT ${SCAN_COLUMNS} FROM compliance_scans
       WHERE status IN ('completed', 'awaiting_approval') AND accounts @> $1::jsonb
       ORDER BY started_at DESC LIMIT 1`,
      [JSON.stringify([accountId])],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** Stores the posture of a scan (evaluate; once for a scan stored before postures were kept). */
  async savePosture(id: string, posture: ScanPosture): Promise<void> {
    const { rowCount } = await this.db.query("UPDATE compliance_scans SET posture = $2 WHERE id = $1", [
      id,
      JSON.stringify(posture),
    ]);
    if (!rowCount)
      throw new NotFoundError(`scan ${id} does not exist; list scans with \`enforceai scans list\``);
  }

  /** The posture stored when the scan was evaluated; undefined before evaluation (or for an older scan). */
  async posture(id: string): Promise<ScanPosture | undefined> {
    const { rows } = await this.db.query<{ posture: ScanPosture | null }>(
      "SELECT posture FROM compliance_scans WHERE id = $1",
      [id],
    );
    return rows[0]?.posture ?? undefined;
  }

  /** Stores the organisation an organisation scan covered (discovery; see migration 009). */
  async saveOrganization(id: string, organization: OrganizationMap): Promise<void> {
    const { rowCount } = await this.db.query("UPDATE compliance_scans SET organization = $2 WHERE id = $1", [
      id,
      JSON.stringify(organization),
    ]);
    if (!rowCount)
      throw new NotFoundError(`scan ${id} does not exist; list scans with \`enforceai scans list\``);
  }

  /** The organisation the scan covered; undefined for a scan of accounts named one by one, or of a file. */
  async organization(id: string): Promise<OrganizationMap | undefined> {
    const { rows } = await this.db.query<{ organization: OrganizationMap | null }>(
      "SELECT organization FROM compliance_scans WHERE id = $1",
      [id],
    );
    return rows[0]?.organization ?? undefined;
  }
}
