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

export type ScanProgressEvent =
  | { type: "node-start"; scanId: string; node: string }
  | { type: "node-done"; scanId: string; node: string; detail?: Record<string, unknown> }
  | {
      type: "discovery";
      scanId: string;
      service: string;
      region: string;
      state: "start" | "done" | "failed";
      resources?: number;
    };

/** What the scan graph's nodes need, passed in (no singletons). */
export interface ScanDeps {
  store: Store;
  catalog: () => Promise<Catalog>;
  /** Turns a source into an inventory: the bundled sample, a file, or live discovery. */
  loadInventory: (
    source: InventorySource,
    onProgress: (e: ScanProgressEvent) => void,
    scanId: string,
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
  onProgress?: (event: ScanProgressEvent) => void;
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
