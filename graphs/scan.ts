import { type BaseCheckpointSaver, END, START, StateGraph } from "@langchain/langgraph";
import type { ScanDeps } from "./scan/deps.ts";
import { discoverNode } from "./scan/discover.ts";
import { evaluateNode } from "./scan/evaluate.ts";
import { finalizeNode } from "./scan/finalize.ts";
import { ScanState, type ScanStateType } from "./scan/state.ts";

export type { ScanDeps, ScanProgressEvent } from "./scan/deps.ts";
export type { InventorySource, ScanStateType } from "./scan/state.ts";

/** Wraps a node so the CLI progress display (and later the API's server-sent events) can follow the graph. */
function traced<S extends ScanStateType>(
  name: string,
  deps: ScanDeps,
  node: (state: S) => Promise<Partial<ScanStateType>>,
) {
  return async (state: S) => {
    deps.onProgress?.({ type: "node-start", scanId: state.scanId, node: name });
    const update = await node(state);
    deps.onProgress?.({ type: "node-done", scanId: state.scanId, node: name });
    return update;
  };
}

/**
 * The scan state machine: discover → evaluate → finalize. Every step is checkpointed under the scan id, so a
 * killed scan resumes from its last completed step (`enforceai scan --resume ID`).
 */
export function buildScanGraph(deps: ScanDeps, checkpointer: BaseCheckpointSaver) {
  return new StateGraph(ScanState)
    .addNode("discover", traced("discover", deps, discoverNode(deps)))
    .addNode("evaluate", traced("evaluate", deps, evaluateNode(deps)))
    .addNode("finalize", traced("finalize", deps, finalizeNode(deps)))
    .addEdge(START, "discover")
    .addEdge("discover", "evaluate")
    .addEdge("evaluate", "finalize")
    .addEdge("finalize", END)
    .compile({ checkpointer });
}

export type ScanGraph = ReturnType<typeof buildScanGraph>;
