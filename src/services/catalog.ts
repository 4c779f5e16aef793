import type { Catalog, CatalogSources } from "../engine/catalog.ts";
import { loadCatalog } from "../engine/catalog.ts";
import { frameworkRefsByCheck } from "../engine/frameworks.ts";
import { mergePolicies } from "../engine/stored-policies.ts";
import type { Logger } from "../logger.ts";
import type { Store } from "../store/index.ts";
import { confirmedMappings } from "./mappings.ts";

/**
 * The one catalog: built-in and file checks and frameworks, ingested frameworks as their confirmed mappings
 * stand, and the custom checks stored through `/api/v1/policies`. The composition root builds one provider;
 * the CLI, the API, chat, scans and remediation all read it.
 */
export interface CatalogProvider {
  /** What the next scan judges with. Unchanged inputs give the same object (reports are cached per object). */
  current(): Promise<Catalog>;
  /** Checks and frameworks from files alone: what a new custom check is validated against. */
  files(): Promise<Catalog>;
  /** A policy or a mapping changed in this process: the next `current()` rebuilds. */
  invalidate(): void;
}

export interface CatalogProviderOptions {
  sources: CatalogSources;
  store: Store;
  logger: Logger;
  /**
   * Changes made by another process (a mapping confirmed from the CLI while a server runs) are picked up when
   * the stored inputs are re-read, at most this often.
   */
  recheckMs?: number;
  now?: () => number;
}

export function createCatalogProvider(options: CatalogProviderOptions): CatalogProvider {
  const { store, logger } = options;
  const recheckMs = options.recheckMs ?? 5_000;
  const now = options.now ?? Date.now;
  let files: Promise<Catalog> | undefined;
  const loadFiles = () => {
    files ??= loadCatalog(options.sources).catch((error) => {
      files = undefined;
      throw error;
    });
    return files;
  };
  // `invalidate()` bumps the generation; a catalog (or a rebuild under way) of an older generation is not used.
  let generation = 0;
  let built: { generation: number; at: number; signature: string; catalog: Catalog } | undefined;
  let pending: { generation: number; promise: Promise<Catalog> } | undefined;

  async function rebuild(of: number): Promise<Catalog> {
    const base = await loadFiles();
    const known = new Set(base.frameworks.map((f) => f.id));
    const ingested = (await confirmedMappings(store)).filter((f) => !known.has(f.id));
    const stored = await store.policies.storedChecks();
    const signature = JSON.stringify({ ingested, stored });
    if (built && built.signature === signature) {
      built = { ...built, generation: of, at: now() };
      return built.catalog;
    }
    const frameworks = [...base.frameworks, ...ingested];
    const withIngested =
      ingested.length === 0 ? base : { ...base, frameworks, refs: frameworkRefsByCheck(frameworks) };
    const catalog = mergePolicies(withIngested, stored, (policy, reason) =>
      logger.warn({ policy, reason }, "custom policy left out of the catalog"),
    );
    built = { generation: of, at: now(), signature, catalog };
    return catalog;
  }

  return {
    current() {
      if (built && built.generation === generation && now() - built.at < recheckMs) {
        return Promise.resolve(built.catalog);
      }
      // One rebuild at a time per generation: concurrent callers share it.
      if (pending?.generation !== generation) {
        const of = generation;
        const promise = rebuild(of).finally(() => {
          if (pending?.promise === promise) pending = undefined;
        });
        pending = { generation: of, promise };
      }
      return pending.promise;
    },
    files: loadFiles,
    invalidate() {
      generation++;
    },
  };
}
