import type pg from "pg";

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  details: Record<string, unknown>;
}

/** Append-only: the table refuses updates and deletes (trigger in the schema). */
export class AuditLog {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async append(entry: Omit<AuditEntry, "id" | "at"> & { at?: Date }): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (at, actor, action, subject_type, subject_id, details)
       VALUES (COALESCE($1, now()), $2, $3, $4, $5, $6)`,
      [entry.at ?? null, entry.actor, entry.action, entry.subjectType, entry.subjectId, entry.details],
    );
  }

  async forSubject(subjectType: string, subjectId: string): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<{
      id: string;
      at: Date;
      actor: string;
      action: string;
      subject_type: string;
      subject_id: string;
      details: Record<string, unknown>;
    }>("SELECT * FROM audit_log WHERE subject_type = $1 AND subject_id = $2 ORDER BY id", [
      subjectType,
      subjectId,
    ]);
    return rows.map((r) => ({
      id: Number(r.id),
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      details: r.details,
    }));
  }
}
