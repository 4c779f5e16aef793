import { type BaseCheckpointSaver, END, START, StateGraph } from "@langchain/langgraph";
import { analyseNode } from "./scan/analyse.ts";
import type { ScanDeps } from "./scan/deps.ts";
import { discoverNode } from "./scan/discover.ts";
import { evaluateNode } from "./scan/evaluate.ts";
import { finalizeNode } from "./scan/finalize.ts";
import { precheckNode } from "./scan/precheck.ts";
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

/** After evaluation: nothing failing and nothing to triage → straight to the report; no model → templates. */
export function routeAfterEvaluate(
  state: ScanStateType,
  deps: Pick<ScanDeps, "models">,
): "precheck" | "analyse" | "finalize" {
  if ((state.failingCount ?? 0) === 0 && (state.manualCount ?? 0) === 0) return "finalize";
  return deps.models ? "precheck" : "analyse";
}

/**
 * The scan state machine: discover → evaluate → precheck (fast model) → analyse (strong model + retrieval) →
 * finalize. Every step is checkpointed under the scan id, so a killed scan resumes from its last completed step
 * (`enforceai scan --resume ID`); model answers are cached, so a resumed step repeats no model call.
 */
export function buildScanGraph(deps: ScanDeps, checkpointer: BaseCheckpointSaver) {
  return new StateGraph(ScanState)
    .addNode("discover", traced("discover", deps, discoverNode(deps)))
    .addNode("evaluate", traced("evaluate", deps, evaluateNode(deps)))
    .addNode("precheck", traced("precheck", deps, precheckNode(deps)))
    .addNode("analyse", traced("analyse", deps, analyseNode(deps)))
    .addNode("finalize", traced("finalize", deps, finalizeNode(deps)))
    .addEdge(START, "discover")
    .addEdge("discover", "evaluate")
    .addConditionalEdges("evaluate", (s) => routeAfterEvaluate(s, deps), ["precheck", "analyse", "finalize"])
    .addEdge("precheck", "analyse")
    .addEdge("analyse", "finalize")
    .addEdge("finalize", END)
    .compile({ checkpointer });
}

export type ScanGraph = ReturnType<typeof buildScanGraph>;
