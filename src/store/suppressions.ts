import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { NewSuppression, Suppression } from "../domain/suppression.ts";
import { NotFoundError } from "../errors.ts";

interface Row {
  id: string;
  check_id: string | null;
  resource_arn: string | null;
  tag_key: string | null;
  tag_value: string | null;
  account_id: string | null;
  region: string | null;
  reason: string;
  owner: string;
  expires_at: Date | null;
  created_by: string;
  created_at: Date;
}

const toSuppression = (r: Row): Suppression => ({
  id: r.id,
  checkId: r.check_id,
  resourceArn: r.resource_arn,
  tagKey: r.tag_key,
  tagValue: r.tag_value,
  accountId: r.account_id,
  region: r.region,
  reason: r.reason,
  owner: r.owner,
  expiresAt: r.expires_at?.toISOString() ?? null,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
});

export class SuppressionRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async create(s: NewSuppression): Promise<Suppression> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO suppressions (id, check_id, resource_arn, tag_key, tag_value, account_id, region, reason, owner,
                                 expires_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [
        randomUUID(),
        s.checkId,
        s.resourceArn,
        s.tagKey,
        s.tagValue,
        s.accountId,
        s.region,
        s.reason,
        s.owner,
        s.expiresAt,
        s.createdBy,
      ],
    );
    return toSuppression(rows[0]!);
  }

  /** Suppressions not deleted; expired ones are included (callers decide with the clock they were given). */
  async list(): Promise<Suppression[]> {
    const { rows } = await this.db.query<Row>(
      "SELECT * FROM suppressions WHERE deleted_at IS NULL ORDER BY created_at, id",
    );
    return rows.map(toSuppression);
  }

  async delete(id: string, at: Date): Promise<void> {
    const { rowCount } = await this.db.query(
      "UPDATE suppressions SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
      [id, at],
    );
    if (!rowCount) throw new NotFoundError(`suppression ${id} does not exist`);
  }
}
