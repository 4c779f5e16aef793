/**
 * Custom checks ("policies") stored in the database: the `checks` table with source = 'custom' (001_init.sql,
 * columns added by 004_policies.sql). Rows hold the check definition as a check file would; validation happens
 * before a row is written (src/api/policies.ts), and again when the engine loads them.
 */
import type pg from "pg";
import type { FrameworkRef } from "../domain/types.ts";
import type { Check, CheckDefinition } from "../engine/check-schema.ts";
import { ConflictError, NotFoundError } from "../errors.ts";

export interface StoredPolicy {
  id: string;
  check: CheckDefinition;
  controls: FrameworkRef[];
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

interface Row {
  id: string;
  definition: CheckDefinition;
  controls: FrameworkRef[];
  created_by: string | null;
  created_at: Date;
  updated_by: string | null;
  updated_at: Date;
}

const toPolicy = (r: Row): StoredPolicy => ({
  id: r.id,
  check: r.definition,
  controls: r.controls,
  createdBy: r.created_by ?? "unknown",
  createdAt: r.created_at.toISOString(),
  updatedBy: r.updated_by ?? r.created_by ?? "unknown",
  updatedAt: r.updated_at.toISOString(),
});

/** Where a stored check says it came from (`Check.source.file`), so errors name it. */
export const policySourceName = (id: string) => `policy:${id}`;

export class PolicyRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async list(): Promise<StoredPolicy[]> {
    const { rows } = await this.db.query<Row>("SELECT * FROM checks WHERE source = 'custom' ORDER BY id");
    return rows.map(toPolicy);
  }

  async find(id: string): Promise<StoredPolicy | undefined> {
    const { rows } = await this.db.query<Row>("SELECT * FROM checks WHERE source = 'custom' AND id = $1", [
      id,
    ]);
    return rows[0] ? toPolicy(rows[0]) : undefined;
  }

  async create(
    check: CheckDefinition,
    controls: FrameworkRef[],
    by: string,
    at: Date,
  ): Promise<StoredPolicy> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO checks (id, source, service, resource_type, severity, title, definition, controls, created_by,
                           created_at, updated_by, updated_at)
       VALUES ($1, 'custom', $2, $3, $4, $5, $6, $7, $8, $9, $8, $9)
       ON CONFLICT (id) DO NOTHING RETURNING *`,
      [
        check.id,
        check.service,
        check.resourceType,
        check.severity,
        check.title,
        JSON.stringify(check),
        JSON.stringify(controls),
        by,
        at,
      ],
    );
    if (!rows[0]) throw new ConflictError(`a check with id "${check.id}" already exists; update it instead`);
    return toPolicy(rows[0]);
  }

  async update(
    id: string,
    check: CheckDefinition,
    controls: FrameworkRef[],
    by: string,
    at: Date,
  ): Promise<StoredPolicy> {
    const { rows } = await this.db.query<Row>(
      `UPDATE checks SET service = $2, resource_type = $3, severity = $4, title = $5, definition = $6, controls = $7,
              updated_by = $8, updated_at = $9
       WHERE id = $1 AND source = 'custom' RETURNING *`,
      [
        id,
        check.service,
        check.resourceType,
        check.severity,
        check.title,
        JSON.stringify(check),
        JSON.stringify(controls),
        by,
        at,
      ],
    );
    if (!rows[0]) throw new NotFoundError(`no custom policy "${id}"`);
    return toPolicy(rows[0]);
  }

  async delete(id: string): Promise<void> {
    const { rowCount } = await this.db.query("DELETE FROM checks WHERE source = 'custom' AND id = $1", [id]);
    if (!rowCount) throw new NotFoundError(`no custom policy "${id}"`);
  }

  /**
   * The stored custom checks as check definitions, for the catalog to merge (with `source` naming the
   * policy). Validation is the caller's: run them through `parseCheck` and `compileCheck` as for files.
   */
  async storedChecks(): Promise<{ check: Check; controls: FrameworkRef[] }[]> {
    const policies = await this.list();
    return policies.map((p) => ({
      check: { ...p.check, source: { kind: "custom", file: policySourceName(p.id) } } as Check,
      controls: p.controls,
    }));
  }
}
