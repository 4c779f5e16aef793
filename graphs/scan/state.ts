import { Annotation } from "@langchain/langgraph";
import type { InventorySource } from "../../src/domain/scan.ts";
import type { CoverageGap } from "../../src/domain/types.ts";
import { remediationStateFields } from "./plan.ts";

/** Where a scan's inventory comes from. Serializable: it is part of the checkpointed state. */

/**
 * The scan graph's state. Deliberately small: the inventory and the findings live in the store (keyed by
 * scan id), so checkpoints stay cheap even for 100k resources, and a resumed scan reads exactly what the
 * interrupted one wrote.
 */
export const ScanState = Annotation.Root({
  scanId: Annotation<string>(),
  source: Annotation<InventorySource>(),
  frameworks: Annotation<string[]>(),
  requestedBy: Annotation<string>(),
  resourceCount: Annotation<number>(),
  /** When the inventory was captured (ISO); checks measure ages against it. */
  capturedAt: Annotation<string>(),
  coverageGaps: Annotation<CoverageGap[]>(),
  findingCount: Annotation<number>(),
  failingCount: Annotation<number>(),
  manualCount: Annotation<number>(),
  /** MANUAL findings the pre-check flagged for analysis. */
  flagged: Annotation<string[]>(),
  /** Model analyses refused after a repair attempt, with the reason (the template explanation stands). */
  analysisDropped: Annotation<{ findingId: string; reason: string }[]>(),
  ...remediationStateFields,
  /** Nodes that finished, in order (for progress and for tests of resumption). */
  completedSteps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

export type ScanStateType = typeof ScanState.State;
