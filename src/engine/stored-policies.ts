import type { FrameworkRef } from "../domain/types.ts";
import { errorMessage } from "../errors.ts";
import type { Catalog } from "./catalog.ts";
import type { Check, CheckDefinition } from "./check-schema.ts";
import { type CompiledCheck, compileCheck, parseCheck } from "./checks.ts";
import { builtinEvaluators } from "./evaluators/index.ts";
import { frameworkRefsByCheck } from "./frameworks.ts";

/**
 * Custom checks stored in the database (`/api/v1/policies`) join the catalog: each is validated and compiled
 * like a check file, and the framework controls it was mapped to gain it.
 */
export function withoutSource(check: Check): CheckDefinition {
  const { source: _source, ...definition } = check;
  return definition;
}

/** The catalog plus stored policies: their checks, and the controls they were mapped to. */
export function mergePolicies(
  base: Catalog,
  stored: readonly { check: Check; controls: FrameworkRef[] }[],
  onSkip: (id: string, reason: string) => void = () => {},
): Catalog {
  if (stored.length === 0) return base;
  const known = new Set(base.checks.map((c) => c.check.id));
  const extra: CompiledCheck[] = [];
  const mapped = new Map<string, string[]>();
  for (const { check, controls } of stored) {
    if (known.has(check.id)) {
      onSkip(check.id, "a check with this id is defined in a file");
      continue;
    }
    try {
      const parsed = parseCheck(check.source.file, JSON.stringify(withoutSource(check)), "custom");
      extra.push(compileCheck(parsed, { settings: base.settings, evaluators: builtinEvaluators() }));
    } catch (error) {
      onSkip(check.id, errorMessage(error));
      continue;
    }
    known.add(check.id);
    for (const ref of controls) {
      const key = `${ref.framework}\0${ref.controlId}`;
      mapped.set(key, [...(mapped.get(key) ?? []), check.id]);
    }
  }
  const frameworks = base.frameworks.map((f) => {
    if (![...mapped.keys()].some((k) => k.startsWith(`${f.id}\0`))) return f;
    return {
      ...f,
      controls: f.controls.map((c) => {
        const add = mapped.get(`${f.id}\0${c.id}`);
        if (!add) return c;
        const { manual: _manual, manualReason: _reason, ...rest } = c;
        return { ...rest, checks: [...(c.checks ?? []), ...add] };
      }),
    };
  });
  return { ...base, checks: [...base.checks, ...extra], frameworks, refs: frameworkRefsByCheck(frameworks) };
}
