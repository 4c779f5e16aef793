import type { ScanDeps } from "./deps.ts";
import type { ScanStateType } from "./state.ts";

/** Audit agent: reads the account (or a file) into the store, and records what it could not see. */
export function discoverNode(deps: ScanDeps) {
  return async (state: ScanStateType): Promise<Partial<ScanStateType>> => {
    const emit = deps.onProgress ?? (() => {});
    const inventory = await deps.loadInventory(state.source, emit, state.scanId);
    await deps.store.transaction(async (tx) => {
      await tx.resources.saveScanInventory(state.scanId, inventory.items);
      await tx.scans.update(state.scanId, {
        accounts: inventory.accountIds,
        regions: inventory.regions,
        resourceCount: inventory.items.length,
        coverageGaps: inventory.coverageGaps,
      });
    });
    return {
      resourceCount: inventory.items.length,
      coverageGaps: inventory.coverageGaps,
      capturedAt: inventory.capturedAt,
      completedSteps: ["discover"],
    };
  };
}
