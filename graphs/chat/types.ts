import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { InventorySource, ScanRecord } from "../../src/domain/scan.ts";
import type { Clock, Finding } from "../../src/domain/types.ts";
import type { Catalog } from "../../src/engine/catalog.ts";
import type { KnowledgeSearch } from "../../src/knowledge/types.ts";
import type { Logger } from "../../src/logger.ts";
import type { ApprovalSummary } from "../../src/remediation/service.ts";
import type { Store } from "../../src/store/index.ts";

/** What the chat agent needs, passed in (no singletons). */
export interface ChatDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The engine's catalog (with stored custom policies, where the caller has them). */
  catalog: () => Promise<Catalog>;
  /** Retrieval over the framework documents; undefined answers cite no passages. */
  retrieval: () => Promise<KnowledgeSearch | undefined>;
  /** The chat model; undefined runs the deterministic responder (templates over the same tools). */
  model?: BaseChatModel;
  /** A name for the model in answers and logs. */
  modelId?: string;
  /** Starts a scan (the API runs it in the background; the CLI waits for it). */
  startScan?: (request: {
    source: InventorySource;
    frameworks?: string[];
    requestedBy: string;
  }) => Promise<ScanRecord>;
  /** Puts a remediation proposal for one failing finding into the approval queue. Never applies anything. */
  proposeRemediation?: (request: {
    finding: Finding;
    scanId: string;
    requestedBy: string;
    reason?: string;
  }) => Promise<ApprovalSummary[]>;
}
