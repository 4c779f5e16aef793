import type { Cache } from "../cache/index.ts";
import type { Config } from "../config/index.ts";
import type { Clock } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import type { KnowledgeSearch } from "../knowledge/types.ts";
import type { CallPolicy } from "../llm/invoke.ts";
import type { ModelPair } from "../llm/models.ts";
import type { Logger } from "../logger.ts";
import type { RemediationPolicy } from "../planning/strategy.ts";
import type { Store } from "../store/index.ts";
import type { Knowledge } from "./knowledge-base.ts";

/**
 * What the application services run on: the long-lived dependencies the composition root (`src/app.ts`) built
 * once. Services take it as a parameter; they never import the composition root.
 */
export interface Runtime {
  config: Config;
  logger: Logger;
  store: Store;
  cache: Cache;
  clock: Clock;
  /** The one catalog (files, ingested frameworks, stored custom checks) the next scan judges with. */
  catalog(): Promise<Catalog>;
  /** Checks and frameworks from files alone (what a new custom check must not collide with). */
  fileCatalog(): Promise<Catalog>;
  /** A custom check or a mapping changed: the next `catalog()` includes it. */
  catalogChanged(): void;
  /** The remediation policy (knowledge/remediation-policy.yaml or ENFORCEAI_REMEDIATION_POLICY_FILE), read once. */
  remediationPolicy(): Promise<RemediationPolicy>;
  /** The configured models, or undefined offline. */
  models(): Promise<ModelPair | undefined>;
  callPolicy: CallPolicy;
  /** Retrieval over the framework documents (indexed on first use), or undefined when unavailable. */
  retrieval(): Promise<KnowledgeSearch | undefined>;
  /** The knowledge base: ingestion, documents, control mappings and retrieval. */
  knowledgeBase(): Promise<Knowledge>;
}
