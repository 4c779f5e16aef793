import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { DiscoveryProgressEvent, ScanDeps } from "./deps.ts";
import type { ScanStateType } from "./state.ts";

/** Audit agent: reads the account (or a file) into the store, and records what it could not see. */
export function discoverNode(deps: ScanDeps) {
  return async (state: ScanStateType, config: LangGraphRunnableConfig): Promise<Partial<ScanStateType>> => {
    // Progress goes to the graph's "custom" stream; once the scan is cancelled nothing more is reported.
    const emit = (e: DiscoveryProgressEvent) => {
      if (!config.signal?.aborted) config.writer?.(e);
    };
    const inventory = await deps.loadInventory(state.source, emit, state.scanId, config.signal);
    config.signal?.throwIfAborted();
    await deps.store.transaction(async (tx) => {
      await tx.resources.saveScanInventory(state.scanId, inventory.items);
      await tx.scans.update(state.scanId, {
        accounts: inventory.accountIds,
        regions: inventory.regions,
        resourceCount: inventory.items.length,
        coverageGaps: inventory.coverageGaps,
      });
      if (inventory.organization) await tx.scans.saveOrganization(state.scanId, inventory.organization);
    });
    return {
      resourceCount: inventory.items.length,
      coverageGaps: inventory.coverageGaps,
      capturedAt: inventory.capturedAt,
      completedSteps: ["discover"],
    };
  };
}
