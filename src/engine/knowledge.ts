import type { FrameworkRef } from "../domain/types.ts";
import { BUILTIN_CHECKS_DIR, FRAMEWORKS_DIR, SETTINGS_FILE } from "../paths.ts";
import { type CompiledCheck, loadCatalog } from "./catalog.ts";
import { builtinEvaluators } from "./evaluators/index.ts";
import { type Framework, frameworkRefsByCheck, loadFrameworks } from "./frameworks.ts";
import { loadSettings, type Settings } from "./settings.ts";

/** Everything the engine judges with: thresholds, checks, frameworks and the check → control index. */
export interface EngineKnowledge {
  settings: Settings;
  checks: CompiledCheck[];
  frameworks: Framework[];
  refs: Map<string, FrameworkRef[]>;
}

export interface KnowledgeSources {
  checksDir?: string;
  frameworksDir?: string;
  settingsFile?: string;
}

export async function loadEngineKnowledge(sources: KnowledgeSources = {}): Promise<EngineKnowledge> {
  const settings = await loadSettings(SETTINGS_FILE, sources.settingsFile);
  const checks = await loadCatalog(
    { builtinDir: BUILTIN_CHECKS_DIR, customDir: sources.checksDir },
    { settings, evaluators: builtinEvaluators() },
  );
  const frameworks = await loadFrameworks(
    { builtinDir: FRAMEWORKS_DIR, customDir: sources.frameworksDir },
    new Set(checks.map((c) => c.check.id)),
  );
  return { settings, checks, frameworks, refs: frameworkRefsByCheck(frameworks) };
}
