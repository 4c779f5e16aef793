import { END, START, StateGraph } from "@langchain/langgraph";
import { documentIdFor } from "../../store/documents.ts";
import type { IngestDeps } from "./deps.ts";
import {
  chunkNode,
  embedNode,
  extractNode,
  failNode,
  indexNode,
  loadNode,
  normalizeNode,
  registerNode,
} from "./nodes.ts";
import { type IngestRequest, IngestState, type IngestStateType, type IngestUpdate } from "./state.ts";

export type { ExtractStep, IngestDeps, IngestStatusEvent } from "./deps.ts";
export type { IngestOutcome, IngestRequest, IngestStateType, NormalizedDocument } from "./state.ts";

/** A node whose error becomes state (`failure`), so the graph can route to `fail` and record the reason. */
function guarded(name: string, node: (s: IngestStateType) => Promise<IngestUpdate>) {
  return async (s: IngestStateType): Promise<IngestUpdate> => {
    try {
      return await node(s);
    } catch (error) {
      return { failure: error, steps: [`${name}!`] };
    }
  };
}

const next = (to: string) => (s: IngestStateType) => (s.failure !== undefined ? "fail" : to);

/**
 * The ingestion state machine:
 *
 *   register → load → normalize → chunk → embed → index → extract
 *       │          └────────┴────────┴───────┴──────┴──→ fail (status failed, reason recorded)
 *       └→ END when the document is unchanged
 *
 * Status in the store follows it: queued (register) → processing (load) → indexed (index) | failed (fail).
 */
export function buildIngestGraph(deps: IngestDeps) {
  return new StateGraph(IngestState)
    .addNode("register", guarded("register", registerNode(deps)))
    .addNode("load", guarded("load", loadNode(deps)))
    .addNode("normalize", guarded("normalize", normalizeNode()))
    .addNode("chunk", guarded("chunk", chunkNode(deps)))
    .addNode("embed", guarded("embed", embedNode(deps)))
    .addNode("index", guarded("index", indexNode(deps)))
    .addNode("extract", extractNode(deps))
    .addNode("fail", failNode(deps))
    .addEdge(START, "register")
    .addConditionalEdges(
      "register",
      (s) => (s.failure !== undefined ? "fail" : s.outcome === "unchanged" ? END : "load"),
      ["fail", "load", END],
    )
    .addConditionalEdges("load", next("normalize"), ["fail", "normalize"])
    .addConditionalEdges("normalize", next("chunk"), ["fail", "chunk"])
    .addConditionalEdges("chunk", next("embed"), ["fail", "embed"])
    .addConditionalEdges("embed", next("index"), ["fail", "index"])
    .addConditionalEdges("index", next("extract"), ["fail", "extract"])
    .addEdge("extract", END)
    .addEdge("fail", END)
    .compile();
}

export type IngestGraph = ReturnType<typeof buildIngestGraph>;

/** Runs one document through the graph and returns the final state (outcome, document, failure). */
export async function runIngest(graph: IngestGraph, request: IngestRequest): Promise<IngestStateType> {
  return (await graph.invoke({
    request,
    documentId: documentIdFor(request.framework, request.source),
  })) as IngestStateType;
}
