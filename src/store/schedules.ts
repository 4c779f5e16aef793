/**
 * Scheduled scans: the `scan_schedules` table (007_schedules.sql). Validation of cron expressions and options
 * happens before a row is written (src/services/schedules.ts); the repository only stores and claims.
 */
import type pg from "pg";
import { ConflictError, NotFoundError } from "../errors.ts";

export const SCHEDULE_SOURCES = ["config", "api"] as const;
export type ScheduleSource = (typeof SCHEDULE_SOURCES)[number];

/** What a schedule scans: the choices of POST /api/v1/scans (the sample account, or a live scope). */
export interface ScheduleScanOptions {
  demo?: boolean;
  scope?: { regions?: string[]; roleArns?: string[]; externalId?: string };
  frameworks?: string[];
}

export interface ScanSchedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  options: ScheduleScanOptions;
  enabled: boolean;
  source: ScheduleSource;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
  /** The tick the schedule waits for; null while disabled. */
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastScanId: string | null;
  lastError: string | null;
}

interface Row {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  options: ScheduleScanOptions;
  enabled: boolean;
  source: ScheduleSource;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_scan_id: string | null;
  last_error: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toSchedule = (r: Row): ScanSchedule => ({
  id: r.id,
  name: r.name,
  cron: r.cron,
  timezone: r.timezone,
  options: r.options ?? {},
  enabled: r.enabled,
  source: r.source,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedBy: r.updated_by,
  updatedAt: r.updated_at.toISOString(),
  nextRunAt: iso(r.next_run_at),
  lastRunAt: iso(r.last_run_at),
  lastScanId: r.last_scan_id,
  lastError: r.last_error,
});

export interface NewSchedule {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  options: ScheduleScanOptions;
  enabled: boolean;
  source: ScheduleSource;
  nextRunAt: Date | null;
}

export interface ScheduleChanges {
  cron?: string;
  timezone?: string;
  options?: ScheduleScanOptions;
  enabled?: boolean;
  /** Written as given (null clears it: a disabled schedule waits for no tick). */
  nextRunAt?: Date | null;
}

export class ScheduleRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async list(): Promise<ScanSchedule[]> {
    const { rows } = await this.db.query<Row>("SELECT * FROM scan_schedules ORDER BY name");
    return rows.map(toSchedule);
  }

  async find(id: string): Promise<ScanSchedule | undefined> {
    const { rows } = await this.db.query<Row>("SELECT * FROM scan_schedules WHERE id = $1", [id]);
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  async get(id: string): Promise<ScanSchedule> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError(`no schedule "${id}"; list them with GET /api/v1/schedules`);
    return found;
  }

  async findByName(name: string): Promise<ScanSchedule | undefined> {
    const { rows } = await this.db.query<Row>("SELECT * FROM scan_schedules WHERE name = $1", [name]);
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  async create(s: NewSchedule, by: string, at: Date): Promise<ScanSchedule> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO scan_schedules (id, name, cron, timezone, options, enabled, source, created_by, created_at,
                                   updated_by, updated_at, next_run_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8, $9, $10)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [s.id, s.name, s.cron, s.timezone, JSON.stringify(s.options), s.enabled, s.source, by, at, s.nextRunAt],
    );
    if (!rows[0]) throw new ConflictError(`a schedule named "${s.name}" already exists; choose another name`);
    return toSchedule(rows[0]);
  }

  async update(id: string, changes: ScheduleChanges, by: string, at: Date): Promise<ScanSchedule> {
    const sets: string[] = [];
    const values: unknown[] = [id, by, at];
    const set = (column: string, value: unknown) => {
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    };
    if (changes.cron !== undefined) set("cron", changes.cron);
    if (changes.timezone !== undefined) set("timezone", changes.timezone);
    if (changes.options !== undefined) set("options", JSON.stringify(changes.options));
    if (changes.enabled !== undefined) set("enabled", changes.enabled);
    if (changes.nextRunAt !== undefined) set("next_run_at", changes.nextRunAt);
    const { rows } = await this.db.query<Row>(
      `UPDATE scan_schedules SET ${[...sets, "updated_by = $2", "updated_at = $3"].join(", ")}
       WHERE id = $1 RETURNING *`,
      values,
    );
    if (!rows[0]) throw new NotFoundError(`no schedule "${id}"; list them with GET /api/v1/schedules`);
    return toSchedule(rows[0]);
  }

  async delete(id: string): Promise<void> {
    const { rowCount } = await this.db.query("DELETE FROM scan_schedules WHERE id = $1", [id]);
    if (!rowCount) throw new NotFoundError(`no schedule "${id}"; list them with GET /api/v1/schedules`);
  }

  /** Enabled schedules whose tick has come (`next_run_at` at or before `now`), oldest tick first. */
  async due(now: Date, limit = 50): Promise<ScanSchedule[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM scan_schedules WHERE enabled AND next_run_at IS NOT NULL AND next_run_at <= $1
       ORDER BY next_run_at, name LIMIT $2`,
      [now, limit],
    );
    return rows.map(toSchedule);
  }

  /**
   * Claims one tick: moves `next_run_at` from `due` (the tick this process read) to `next` and records the run
   * time, only if the row still waits for that tick and is enabled. One statement, so of several processes
   * claiming the same tick exactly one gets the row back; the others get undefined. (A concurrent claimer waits
   * on the row lock and then re-reads the condition, which no longer holds.)
   */
  async claim(id: string, due: Date, next: Date | null, now: Date): Promise<ScanSchedule | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE scan_schedules SET next_run_at = $3, last_run_at = $4
       WHERE id = $1 AND enabled AND date_trunc('milliseconds', next_run_at) = $2 RETURNING *`,
      [id, due, next, now],
    );
    return rows[0] ? toSchedule(rows[0]) : undefined;
  }

  /** What a claimed run led to: the scan it started, or why it could not start. */
  async recordRun(id: string, result: { scanId: string | null; error: string | null }): Promise<void> {
    await this.db.query(`UPDATE scan_schedules SET last_scan_id = $2, last_error = $3 WHERE id = $1`, [
      id,
      result.scanId,
      result.error,
    ]);
  }
}
