import type { Framework } from "../engine/frameworks.ts";
import { ValidationError } from "../errors.ts";
import { cosine } from "../knowledge/embeddings.ts";
import type { ExtractedControl } from "../knowledge/extract-controls.ts";
import type { Embedder } from "../knowledge/types.ts";
import type { Store } from "../store/index.ts";
import type { MappingSuggestion } from "../store/mappings.ts";

/** A check as mapping suggestions see it. */
export interface CheckInfo {
  id: string;
  title: string;
  description: string;
}

export type { MappingRow, MappingStatus, MappingSuggestion } from "../store/mappings.ts";

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
  for (let i = 0; i < controls.length; i++) {
    const control = controls[i]!;
    // thousands of controls against every check is seconds of arithmetic: let the event loop run in between
    if (i % 32 === 31) await new Promise((resolve) => setImmediate(resolve));
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
  }
  return out;
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
export async function confirmedMappings(store: Pick<Store, "mappings">): Promise<Framework[]> {
  const { frameworks, controls, confirmed } = await store.mappings.ingestedWithConfirmed();
  if (frameworks.length === 0) return [];
  const checksOf = new Map<string, string[]>();
  for (const r of confirmed) {
    const key = `${r.frameworkId}\0${r.controlId}`;
    checksOf.set(key, [...(checksOf.get(key) ?? []), r.checkId]);
  }
  return frameworks.map((f) => ({
    id: f.id,
    name: f.name,
    version: f.version,
    description: f.description ?? `${f.name} (ingested)`,
    controls: controls
      .filter((c) => c.frameworkId === f.id)
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
