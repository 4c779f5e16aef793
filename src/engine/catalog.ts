import type { FrameworkRef } from "../domain/types.ts";
import { BUILTIN_CHECKS_DIR, FRAMEWORKS_DIR, SETTINGS_FILE } from "../paths.ts";
import { type CompiledCheck, loadChecks } from "./checks.ts";
import { builtinEvaluators } from "./evaluators/index.ts";
import { type Framework, frameworkRefsByCheck, loadFrameworks } from "./frameworks.ts";
import { loadSettings, type Settings } from "./settings.ts";

/** Everything the engine judges with: thresholds, checks, frameworks and the check → control index. */
export interface Catalog {
  settings: Settings;
  checks: CompiledCheck[];
  frameworks: Framework[];
  refs: Map<string, FrameworkRef[]>;
}

export interface CatalogSources {
  checksDir?: string;
  frameworksDir?: string;
  settingsFile?: string;
}

export async function loadCatalog(sources: CatalogSources = {}): Promise<Catalog> {
  const settings = await loadSettings(SETTINGS_FILE, sources.settingsFile);
  const checks = await loadChecks(
    { builtinDir: BUILTIN_CHECKS_DIR, customDir: sources.checksDir },
    { settings, evaluators: builtinEvaluators() },
  );
  const frameworks = await loadFrameworks(
    { builtinDir: FRAMEWORKS_DIR, customDir: sources.frameworksDir },
    new Set(checks.map((c) => c.check.id)),
  );
  return { settings, checks, frameworks, refs: frameworkRefsByCheck(frameworks) };
}
