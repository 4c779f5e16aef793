import type pg from "pg";
import type { Framework } from "../engine/frameworks.ts";
import { ConflictError, NotFoundError, ValidationError } from "../errors.ts";
import { cosine } from "../knowledge/embeddings.ts";
import type { ExtractedControl } from "../knowledge/extract-controls.ts";
import type { Embedder } from "../knowledge/types.ts";
import type { Store } from "../store/index.ts";

/** A check as mapping suggestions see it. */
export interface CheckInfo {
  id: string;
  title: string;
  description: string;
}

export interface MappingSuggestion {
  controlId: string;
  checkId: string;
  /** Cosine similarity between the control's text and the check's title and description. */
  score: number;
  rationale: string;
}

export interface SuggestOptions {
  /** Suggestions per control at most. Default 3. */
  top?: number;
  /** Below this similarity nothing is suggested. Default 0.2 (local embedder scale). */
  minScore?: number;
}

export const controlText = (c: ExtractedControl) =>
  [`${c.id} ${c.title}`, c.summary, c.rationale].filter(Boolean).join("\n");
export const checkText = (c: CheckInfo) => `${c.title}\n${c.description}`;

/**
 * Suggests checks for each control by embedding similarity between the control's text (id, title, summary,
 * and the model's note on AWS when a model extracted it) and each check's title and description. These are
 * proposals for a person to confirm or reject, never mappings that score.
 */
export async function suggestMappings(
  controls: ExtractedControl[],
  checks: CheckInfo[],
  embedder: Embedder,
  options: SuggestOptions = {},
): Promise<MappingSuggestion[]> {
  if (controls.length === 0 || checks.length === 0) return [];
  const top = options.top ?? 3;
  const minScore = options.minScore ?? 0.2;
  const [controlVectors, checkVectors] = [
    await embedder.embedDocuments(controls.map(controlText)),
    await embedder.embedDocuments(checks.map(checkText)),
  ];
  const out: MappingSuggestion[] = [];
  controls.forEach((control, i) => {
    const scored = checks
      .map((check, j) => ({ check, score: cosine(controlVectors[i]!, checkVectors[j]!) }))
      .filter((x) => x.score >= minScore)
      .sort((a, b) => b.score - a.score || (a.check.id < b.check.id ? -1 : 1))
      .slice(0, top);
    for (const { check, score } of scored) {
      const rationale =
        `embedding similarity ${score.toFixed(3)} between control "${control.title}" and check "${check.title}" (${embedder.id})` +
        (control.rationale ? `; model: ${control.rationale}` : "");
      out.push({ controlId: control.id, checkId: check.id, score: Math.round(score * 1e4) / 1e4, rationale });
    }
  });
  return out;
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

/** Ingested frameworks, their controls, and control → check mappings (`frameworks`, `controls`, `control_checks`). */
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
    for (const [position, c] of controls.entries()) {
      await this.db.query(
        `INSERT INTO controls (framework_id, id, section, title, description, manual, position)
         VALUES ($1, $2, $3, $4, $5, false, $6)
         ON CONFLICT (framework_id, id) DO UPDATE SET section = EXCLUDED.section, title = EXCLUDED.title,
                description = EXCLUDED.description, position = EXCLUDED.position`,
        [frameworkId, c.id, c.section ?? null, c.title.slice(0, 300), c.summary, position],
      );
    }
  }

  /** Adds suggestions as `proposed`; a proposal not yet decided is refreshed, a decided one is left alone. */
  async upsertSuggestions(frameworkId: string, suggestions: MappingSuggestion[]): Promise<void> {
    for (const s of suggestions) {
      await this.db.query(
        `INSERT INTO control_checks (framework_id, control_id, check_id, status, origin, score, rationale)
         VALUES ($1, $2, $3, 'proposed', 'suggested', $4, $5)
         ON CONFLICT (framework_id, control_id, check_id) DO UPDATE SET score = EXCLUDED.score,
                rationale = EXCLUDED.rationale
          WHERE control_checks.status = 'proposed'`,
        [frameworkId, s.controlId, s.checkId, s.score, s.rationale],
      );
    }
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
}

/** Validates a check id against the catalog before a person maps a control to it. */
export function requireKnownCheck(checkId: string, checks: readonly CheckInfo[]): void {
  if (!checks.some((c) => c.id === checkId)) {
    throw new ValidationError(
      `unknown check "${checkId}"; list the checks with \`enforceai checks list\` or see knowledge/checks`,
    );
  }
}

/**
 * Ingested frameworks with the mappings people confirmed, in the engine's Framework shape, ready to score.
 * A control without a confirmed check is `manual` (a person attests to it) until one is confirmed.
 */
export async function confirmedMappings(store: Pick<Store, "db">): Promise<Framework[]> {
  const db = store.db.pool;
  const frameworks = await db.query<{
    id: string;
    name: string;
    version: string;
    description: string | null;
  }>("SELECT id, name, version, description FROM frameworks WHERE source = 'ingested' ORDER BY id");
  if (frameworks.rows.length === 0) return [];
  const controls = await db.query<{
    framework_id: string;
    id: string;
    section: string | null;
    title: string;
    description: string | null;
  }>(
    `SELECT c.framework_id, c.id, c.section, c.title, c.description FROM controls c
       JOIN frameworks f ON f.id = c.framework_id AND f.source = 'ingested'
      ORDER BY c.framework_id, c.position, c.id`,
  );
  const confirmed = await db.query<{ framework_id: string; control_id: string; check_id: string }>(
    `SELECT cc.framework_id, cc.control_id, cc.check_id FROM control_checks cc
       JOIN frameworks f ON f.id = cc.framework_id AND f.source = 'ingested'
      WHERE cc.status = 'confirmed' ORDER BY cc.check_id`,
  );
  const checksOf = new Map<string, string[]>();
  for (const r of confirmed.rows) {
    const key = `${r.framework_id}\0${r.control_id}`;
    checksOf.set(key, [...(checksOf.get(key) ?? []), r.check_id]);
  }
  return frameworks.rows.map((f) => ({
    id: f.id,
    name: f.name,
    version: f.version,
    description: f.description ?? `${f.name} (ingested)`,
    controls: controls.rows
      .filter((c) => c.framework_id === f.id)
      .map((c) => {
        const checks = checksOf.get(`${f.id}\0${c.id}`);
        const base = {
          id: c.id,
          ...(c.section ? { section: c.section } : {}),
          title: c.title,
          description: c.description ?? c.title,
        };
        return checks
          ? { ...base, checks }
          : { ...base, manual: true as const, manualReason: "no confirmed check mapping yet" };
      }),
    source: { kind: "custom" as const, file: `ingested:${f.id}` },
  }));
}
