import type { Cache } from "../../src/cache/index.ts";
import type { InventorySource } from "../../src/domain/scan.ts";
import type { Clock, Inventory } from "../../src/domain/types.ts";
import type { Catalog } from "../../src/engine/catalog.ts";
import type { KnowledgeSearch } from "../../src/knowledge/types.ts";
import type { CallPolicy } from "../../src/llm/invoke.ts";
import type { ModelPair } from "../../src/llm/models.ts";
import type { Logger } from "../../src/logger.ts";
import type { RemediationAws } from "../../src/remediation/credentials.ts";
import type { RemediationService } from "../../src/remediation/service.ts";
import type { DiscoveryAccess } from "../../src/remediation/verifier.ts";
import type { Store } from "../../src/store/index.ts";

/** What the discover node writes to the graph's custom stream, one per (service, region) task change. */
export interface DiscoveryProgressEvent {
  type: "discovery";
  scanId: string;
  service: string;
  region: string;
  state: "start" | "done" | "failed";
  resources?: number;
}

/**
 * A scan's progress as the CLI bar and the API's server-sent events show it: step starts and ends (from the
 * graph's "tasks" stream) and discovery progress (from its "custom" stream).
 */
export type ScanProgressEvent =
  | { type: "node-start"; scanId: string; node: string }
  | { type: "node-done"; scanId: string; node: string; detail?: Record<string, unknown> }
  | DiscoveryProgressEvent;

/** What the scan graph's nodes need, passed in (no singletons). */
export interface ScanDeps {
  store: Store;
  catalog: () => Promise<Catalog>;
  /**
   * Turns a source into an inventory: the bundled sample, a file, or live discovery. `signal` is the scan's
   * cancel: live discovery passes it to every AWS call.
   */
  loadInventory: (
    source: InventorySource,
    onProgress: (e: DiscoveryProgressEvent) => void,
    scanId: string,
    signal?: AbortSignal,
  ) => Promise<Inventory>;
  clock: Clock;
  logger: Logger;
  cache: Cache;
  /** Undefined when no model is configured: the model nodes then write template explanations. */
  models?: ModelPair;
  callPolicy: CallPolicy;
  /** Retrieval over framework documents, for citations; optional (explanations then cite nothing). */
  retrieval?: () => Promise<KnowledgeSearch | undefined>;
  /** At most this many findings get a strong-model analysis per scan; the rest get templates. */
  analysisBudget: number;
  /** How many precheck items go into one fast-model call. */
  precheckBatchSize: number;
  /** Policy agent and remediation; absent → the scan plans nothing. */
  remediation?: RemediationDeps;
}

/** What the plan → approve → remediate → verify nodes need besides the scan's store and clock. */
export interface RemediationDeps {
  service: RemediationService;
  /** The remediation credentials (ENFORCEAI_REMEDIATION_ROLE_ARN / _PROFILE), made on first use. */
  aws?: () => RemediationAws;
  /** Read-only access for re-discovery in the verify node (the scan's own access), made when it verifies. */
  discovery: DiscoveryAccess;
}

export type RemediationNodeDeps = Pick<ScanDeps, "store" | "clock" | "logger"> & {
  remediation?: RemediationDeps;
};
