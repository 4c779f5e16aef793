import type pg from "pg";
import { redactItem } from "../domain/secrets.ts";
import { contentHashOf } from "../domain/shape.ts";
import type { ConfigurationItem } from "../domain/types.ts";
import { Conditions, containsPattern } from "./sql.ts";

/** Rows go to the server as one JSON parameter per batch: one round trip for thousands of rows. */
export const BATCH_SIZE = 2_000;

export function* batches<T>(items: readonly T[], size = BATCH_SIZE): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export interface ResourceFilter {
  accountId?: string;
  region?: string;
  resourceType?: string;
  search?: string;
  limit?: number;
  offset?: number;
}

export class ResourceRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /**
   * Records what a scan saw: each distinct version once, the scan's view of the inventory, and the latest
   * state per resource.
   */
  async saveScanInventory(scanId: string, items: readonly ConfigurationItem[]): Promise<void> {
    for (const batch of batches(items)) {
      const rows = batch.map((given) => {
        // The store's own guard: whatever path an item came by, it passes the one redaction before it is kept.
        const item = redactItem(given);
        const hash = item.contentHash ?? contentHashOf(item);
        return {
          h: hash,
          item: { ...item, contentHash: hash },
          a: item.accountId,
          r: item.awsRegion,
          t: item.resourceType,
          i: item.resourceId,
          arn: item.arn,
          n: item.resourceName ?? null,
          tags: item.tags,
          at: item.configurationItemCaptureTime,
        };
      });
      const json = JSON.stringify(rows);
      await this.db.query(
        `INSERT INTO resource_versions (content_hash, item)
         SELECT DISTINCT ON (h) h, item FROM jsonb_to_recordset($1::jsonb) AS x(h text, item jsonb)
         ON CONFLICT (content_hash) DO NOTHING`,
        [json],
      );
      await this.db.query(
        `INSERT INTO scan_resources (scan_id, account_id, region, resource_type, resource_id, content_hash)
         SELECT $2, a, r, t, i, h FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, t text, i text, h text)
         ON CONFLICT DO NOTHING`,
        [json, scanId],
      );
      await this.db.query(
        `INSERT INTO resources (account_id, region, resource_type, resource_id, arn, resource_name, tags, content_hash,
                                captured_at, first_seen_scan, last_seen_scan)
         SELECT a, r, t, i, arn, n, tags, h, at::timestamptz, $2, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, t text, i text, arn text, n text, tags jsonb, h text, at text)
         ON CONFLICT (account_id, region, resource_type, resource_id) DO UPDATE SET
           arn = excluded.arn, resource_name = excluded.resource_name, tags = excluded.tags,
           content_hash = excluded.content_hash, captured_at = excluded.captured_at, last_seen_scan = excluded.last_seen_scan`,
        [json, scanId],
      );
    }
  }

  /**
   * Records what an event-driven evaluation read again: each fresh version as the latest state (seen by the
   * evaluation's id), and the deleted resources removed from the latest state.
   */
  async applyChanges(
    evaluationId: string,
    fresh: readonly ConfigurationItem[],
    deleted: readonly { accountId: string; region: string; resourceType: string; resourceId: string }[],
  ): Promise<void> {
    for (const batch of batches(fresh)) {
      const rows = batch.map((given) => {
        // The store's own guard: whatever path an item came by, it passes the one redaction before it is kept.
        const item = redactItem(given);
        const hash = item.contentHash ?? contentHashOf(item);
        return {
          h: hash,
          item: { ...item, contentHash: hash },
          a: item.accountId,
          r: item.awsRegion,
          t: item.resourceType,
          i: item.resourceId,
          arn: item.arn,
          n: item.resourceName ?? null,
          tags: item.tags,
          at: item.configurationItemCaptureTime,
        };
      });
      const json = JSON.stringify(rows);
      await this.db.query(
        `INSERT INTO resource_versions (content_hash, item)
         SELECT DISTINCT ON (h) h, item FROM jsonb_to_recordset($1::jsonb) AS x(h text, item jsonb)
         ON CONFLICT (content_hash) DO NOTHING`,
        [json],
      );
      await this.db.query(
        `INSERT INTO resources (account_id, region, resource_type, resource_id, arn, resource_name, tags, content_hash,
                                captured_at, first_seen_scan, last_seen_scan)
         SELECT a, r, t, i, arn, n, tags, h, at::timestamptz, $2, $2
         FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, t text, i text, arn text, n text, tags jsonb, h text, at text)
         ON CONFLICT (account_id, region, resource_type, resource_id) DO UPDATE SET
           arn = excluded.arn, resource_name = excluded.resource_name, tags = excluded.tags,
           content_hash = excluded.content_hash, captured_at = excluded.captured_at, last_seen_scan = excluded.last_seen_scan`,
        [json, evaluationId],
      );
    }
    if (deleted.length > 0) {
      await this.db.query(
        `DELETE FROM resources r USING jsonb_to_recordset($1::jsonb) AS x(a text, g text, t text, i text)
         WHERE r.account_id = x.a AND r.region = x.g AND r.resource_type = x.t AND r.resource_id = x.i`,
        [
          JSON.stringify(
            deleted.map((d) => ({ a: d.accountId, g: d.region, t: d.resourceType, i: d.resourceId })),
          ),
        ],
      );
    }
  }

  /** The latest state of the resources of `accountId` that event-driven evaluations read after `since`. */
  async changedByEventsSince(accountId: string, since: Date): Promise<ConfigurationItem[]> {
    const { rows } = await this.db.query<{ item: ConfigurationItem }>(
      `SELECT v.item FROM resources r JOIN resource_versions v USING (content_hash)
       JOIN evaluations e ON e.id = r.last_seen_scan
       WHERE r.account_id = $1 AND e.started_at >= $2`,
      [accountId, since],
    );
    return rows.map((r) => r.item);
  }

  /** The inventory of one account as a scan saw it. */
  async scanInventoryOf(scanId: string, accountId: string): Promise<ConfigurationItem[]> {
    const { rows } = await this.db.query<{ item: ConfigurationItem }>(
      `SELECT v.item FROM scan_resources s JOIN resource_versions v USING (content_hash)
       WHERE s.scan_id = $1 AND s.account_id = $2 ORDER BY s.region, s.resource_type, s.resource_id`,
      [scanId, accountId],
    );
    return rows.map((r) => r.item);
  }

  /** The exact inventory a scan evaluated, rebuilt from the stored versions (used on resume and for evidence). */
  async scanInventory(scanId: string): Promise<ConfigurationItem[]> {
    const { rows } = await this.db.query<{ item: ConfigurationItem }>(
      `SELECT v.item FROM scan_resources s JOIN resource_versions v USING (content_hash)
       WHERE s.scan_id = $1 ORDER BY s.account_id, s.region, s.resource_type, s.resource_id`,
      [scanId],
    );
    return rows.map((r) => r.item);
  }

  async list(filter: ResourceFilter = {}): Promise<{ items: ConfigurationItem[]; total: number }> {
    const where = new Conditions();
    if (filter.accountId) where.add("r.account_id = ?", filter.accountId);
    if (filter.region) where.add("r.region = ?", filter.region);
    if (filter.resourceType) where.add("r.resource_type = ?", filter.resourceType);
    // `%` and `_` in the search are literal characters, as in finding search.
    if (filter.search) where.add("(r.resource_id ILIKE ? OR r.arn ILIKE ?)", containsPattern(filter.search));
    const total = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM resources r ${where.whereClause}`,
      [...where.values],
    );
    const limit = where.param(filter.limit ?? 100);
    const offset = where.param(filter.offset ?? 0);
    const { rows } = await this.db.query<{ item: ConfigurationItem }>(
      `SELECT v.item FROM resources r JOIN resource_versions v USING (content_hash) ${where.whereClause}
       ORDER BY r.account_id, r.region, r.resource_type, r.resource_id
       LIMIT ${limit} OFFSET ${offset}`,
      where.values,
    );
    return { items: rows.map((r) => r.item), total: Number(total.rows[0]?.n ?? 0) };
  }

  /** How many resources of each type the inventory holds now (for filters), optionally in one account. */
  async typeCounts(accountId?: string): Promise<{ resourceType: string; count: number }[]> {
    const where = new Conditions();
    if (accountId) where.add("account_id = ?", accountId);
    const { rows } = await this.db.query<{ resource_type: string; n: string }>(
      `SELECT resource_type, count(*) AS n FROM resources ${where.whereClause} GROUP BY resource_type ORDER BY resource_type`,
      where.values,
    );
    return rows.map((r) => ({ resourceType: r.resource_type, count: Number(r.n) }));
  }

  async findByArn(arn: string): Promise<ConfigurationItem | undefined> {
    const { rows } = await this.db.query<{ item: ConfigurationItem }>(
      `SELECT v.item FROM resources r JOIN resource_versions v USING (content_hash) WHERE r.arn = $1 LIMIT 1`,
      [arn],
    );
    return rows[0]?.item;
  }
}
