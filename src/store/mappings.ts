/** Ingested frameworks, their controls, and control → check mappings (`frameworks`, `controls`, `control_checks`). */
import type pg from "pg";
import { ConflictError, NotFoundError } from "../errors.ts";
import type { ExtractedControl } from "../knowledge/extract-controls.ts";

/** A proposed control → check pair (src/services/mappings.ts computes them). */
export interface MappingSuggestion {
  controlId: string;
  checkId: string;
  /** Cosine similarity between the control's text and the check's title and description. */
  score: number;
  rationale: string;
}

/** The ingested frameworks with their controls and confirmed pairs, as stored (services shape them). */
export interface IngestedMappings {
  frameworks: { id: string; name: string; version: string; description: string | null }[];
  /** In framework, then document order. */
  controls: {
    frameworkId: string;
    id: string;
    section: string | null;
    title: string;
    description: string | null;
  }[];
  confirmed: { frameworkId: string; controlId: string; checkId: string }[];
}

export type MappingStatus = "proposed" | "confirmed" | "rejected";

export interface MappingRow {
  framework: string;
  controlId: string;
  controlTitle: string;
  checkId: string;
  status: MappingStatus;
  origin: "builtin" | "suggested" | "user";
  score: number | null;
  rationale: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
}

interface Row {
  framework_id: string;
  control_id: string;
  control_title: string;
  check_id: string;
  status: MappingStatus;
  origin: MappingRow["origin"];
  score: number | null;
  rationale: string | null;
  decided_by: string | null;
  decided_at: Date | null;
}

const toMapping = (r: Row): MappingRow => ({
  framework: r.framework_id,
  controlId: r.control_id,
  controlTitle: r.control_title,
  checkId: r.check_id,
  status: r.status,
  origin: r.origin,
  score: r.score,
  rationale: r.rationale,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at?.toISOString() ?? null,
});

export class MappingRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /** Creates or updates an ingested framework; a built-in framework of the same id is refused. */
  async upsertIngestedFramework(f: {
    id: string;
    name: string;
    version: string;
    description?: string | null;
  }) {
    const { rows } = await this.db.query<{ source: string }>("SELECT source FROM frameworks WHERE id = $1", [
      f.id,
    ]);
    if (rows[0] && rows[0].source !== "ingested") {
      throw new ConflictError(
        `framework "${f.id}" is built in; its controls are not replaced by an ingested document`,
      );
    }
    await this.db.query(
      `INSERT INTO frameworks (id, name, version, source, description, updated_at)
       VALUES ($1, $2, $3, 'ingested', $4, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version,
              description = EXCLUDED.description, updated_at = now()`,
      [f.id, f.name, f.version, f.description ?? null],
    );
  }

  /**
   * Makes the framework's controls exactly these (in this order). Controls that disappeared are removed with
   * their mappings; kept controls keep their decided mappings.
   */
  async replaceControls(frameworkId: string, controls: ExtractedControl[]): Promise<void> {
    const ids = controls.map((c) => c.id);
    await this.db.query("DELETE FROM controls WHERE framework_id = $1 AND NOT (id = ANY($2::text[]))", [
      frameworkId,
      ids,
    ]);
    if (controls.length === 0) return;
    // One statement for all controls (a document can hold hundreds).
    // A repeated id keeps its last occurrence, as row-by-row upserts did (one statement cannot touch a row twice).
    const byId = new Map(
      controls.map((c, position) => [
        c.id,
        {
          id: c.id,
          section: c.section ?? null,
          title: c.title.slice(0, 300),
          description: c.summary,
          position,
        },
      ]),
    );
    const rows = [...byId.values()];
    await this.db.query(
      `INSERT INTO controls (framework_id, id, section, title, description, manual, position)
       SELECT $1, id, section, title, description, false, position
         FROM jsonb_to_recordset($2::jsonb) AS x(id text, section text, title text, description text, position int)
       ON CONFLICT (framework_id, id) DO UPDATE SET section = EXCLUDED.section, title = EXCLUDED.title,
              description = EXCLUDED.description, position = EXCLUDED.position`,
      [frameworkId, JSON.stringify(rows)],
    );
  }

  /** Adds suggestions as `proposed`; a proposal not yet decided is refreshed, a decided one is left alone. */
  async upsertSuggestions(frameworkId: string, suggestions: MappingSuggestion[]): Promise<void> {
    if (suggestions.length === 0) return;
    // A repeated pair keeps its last suggestion (one statement cannot touch a row twice).
    const unique = [...new Map(suggestions.map((x) => [`${x.controlId}\0${x.checkId}`, x])).values()];
    await this.db.query(
      `INSERT INTO control_checks (framework_id, control_id, check_id, status, origin, score, rationale)
       SELECT $1, x."controlId", x."checkId", 'proposed', 'suggested', x.score, x.rationale
         FROM jsonb_to_recordset($2::jsonb) AS x("controlId" text, "checkId" text, score double precision, rationale text)
       ON CONFLICT (framework_id, control_id, check_id) DO UPDATE SET score = EXCLUDED.score,
              rationale = EXCLUDED.rationale
        WHERE control_checks.status = 'proposed'`,
      [frameworkId, JSON.stringify(unique)],
    );
  }

  async list(frameworkId: string, status?: MappingStatus): Promise<MappingRow[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT cc.*, c.title AS control_title FROM control_checks cc
         JOIN controls c ON c.framework_id = cc.framework_id AND c.id = cc.control_id
        WHERE cc.framework_id = $1 AND ($2::text IS NULL OR cc.status = $2)
        ORDER BY c.position, cc.score DESC NULLS LAST, cc.check_id`,
      [frameworkId, status ?? null],
    );
    return rows.map(toMapping);
  }

  async frameworkExists(frameworkId: string): Promise<boolean> {
    const { rows } = await this.db.query("SELECT 1 FROM frameworks WHERE id = $1 AND source = 'ingested'", [
      frameworkId,
    ]);
    return rows.length > 0;
  }

  /**
   * A person's decision. Confirming a pair nobody suggested adds it (origin `user`), when the control exists;
   * rejecting one that does not exist is an error.
   */
  async decide(input: {
    framework: string;
    controlId: string;
    checkId: string;
    decision: "confirmed" | "rejected";
    user: string;
  }): Promise<MappingRow> {
    if (!(await this.frameworkExists(input.framework))) {
      throw new NotFoundError(
        `no ingested framework "${input.framework}"; ingest its document with \`enforceai ingest FILE --framework ${input.framework}\``,
      );
    }
    const control = await this.db.query("SELECT 1 FROM controls WHERE framework_id = $1 AND id = $2", [
      input.framework,
      input.controlId,
    ]);
    if (control.rows.length === 0) {
      throw new NotFoundError(`framework "${input.framework}" has no control "${input.controlId}"`);
    }
    const updated = await this.db.query(
      `UPDATE control_checks SET status = $4, decided_by = $5, decided_at = now()
        WHERE framework_id = $1 AND control_id = $2 AND check_id = $3`,
      [input.framework, input.controlId, input.checkId, input.decision, input.user],
    );
    if ((updated.rowCount ?? 0) === 0) {
      if (input.decision === "rejected") {
        throw new NotFoundError(
          `no mapping ${input.framework} ${input.controlId} → ${input.checkId} to reject; see \`enforceai knowledge mappings list --framework ${input.framework}\``,
        );
      }
      await this.db.query(
        `INSERT INTO control_checks (framework_id, control_id, check_id, status, origin, decided_by, decided_at)
         VALUES ($1, $2, $3, 'confirmed', 'user', $4, now())`,
        [input.framework, input.controlId, input.checkId, input.user],
      );
    }
    const rows = await this.list(input.framework);
    return rows.find((r) => r.controlId === input.controlId && r.checkId === input.checkId)!;
  }

  /** Three queries whatever the number of frameworks (no query per framework or control). */
  async ingestedWithConfirmed(): Promise<IngestedMappings> {
    const frameworks = await this.db.query<IngestedMappings["frameworks"][number]>(
      "SELECT id, name, version, description FROM frameworks WHERE source = 'ingested' ORDER BY id",
    );
    if (frameworks.rows.length === 0) return { frameworks: [], controls: [], confirmed: [] };
    const controls = await this.db.query<IngestedMappings["controls"][number]>(
      `SELECT c.framework_id AS "frameworkId", c.id, c.section, c.title, c.description FROM controls c
         JOIN frameworks f ON f.id = c.framework_id AND f.source = 'ingested'
        ORDER BY c.framework_id, c.position, c.id`,
    );
    const confirmed = await this.db.query<IngestedMappings["confirmed"][number]>(
      `SELECT cc.framework_id AS "frameworkId", cc.control_id AS "controlId", cc.check_id AS "checkId"
         FROM control_checks cc
         JOIN frameworks f ON f.id = cc.framework_id AND f.source = 'ingested'
        WHERE cc.status = 'confirmed' ORDER BY cc.check_id`,
    );
    return { frameworks: frameworks.rows, controls: controls.rows, confirmed: confirmed.rows };
  }
}
