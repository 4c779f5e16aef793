import { type BaseCheckpointSaver, END, START, StateGraph } from "@langchain/langgraph";
import { analyseNode } from "./scan/analyse.ts";
import { approveNode } from "./scan/approve.ts";
import type { ScanDeps } from "./scan/deps.ts";
import { discoverNode } from "./scan/discover.ts";
import { evaluateNode } from "./scan/evaluate.ts";
import { finalizeNode } from "./scan/finalize.ts";
import { planNode } from "./scan/plan.ts";
import { precheckNode } from "./scan/precheck.ts";
import { remediateNode } from "./scan/remediate.ts";
import { ScanState, type ScanStateType } from "./scan/state.ts";
import { verifyNode } from "./scan/verify.ts";

export type { InventorySource } from "../src/domain/scan.ts";
export type { DiscoveryProgressEvent, ScanDeps, ScanProgressEvent } from "./scan/deps.ts";
export type { ScanStateType } from "./scan/state.ts";

/** After evaluation: nothing failing and nothing to triage → straight to the report; no model → templates. */
export function routeAfterEvaluate(
  state: ScanStateType,
  deps: Pick<ScanDeps, "models">,
): "precheck" | "analyse" | "finalize" {
  if ((state.failingCount ?? 0) === 0 && (state.manualCount ?? 0) === 0) return "finalize";
  return deps.models ? "precheck" : "analyse";
}

/** After planning: no `--auto-remediate` (or nothing proposed) → the plan stays a plan and the scan ends. */
export function routeAfterPlan(state: ScanStateType): "approve" | "finalize" {
  return state.autoRemediate && (state.approvalIds?.length ?? 0) > 0 ? "approve" : "finalize";
}

/**
 * The scan state machine: discover → evaluate → precheck (fast model) → analyse (strong model + retrieval) →
 * plan (policy agent) → approve (interrupt: people decide) → remediate → verify → finalize. Every step is checkpointed under the scan id, so a killed scan resumes from its last completed step
 * (`enforceai scan --resume ID`); model answers are cached, so a resumed step repeats no model call.
 *
 * Progress leaves the graph through its stream, not through callbacks: run it with
 * `streamMode: ["tasks", "custom"]` — "tasks" says when each step starts and ends, "custom" carries what the
 * nodes write with `config.writer` (discovery's per-service progress). Cancel is the run's `signal`: LangGraph
 * stops at once, and the discover node hands the signal on to the collectors so in-flight AWS calls stop too.
 */
export function buildScanGraph(deps: ScanDeps, checkpointer: BaseCheckpointSaver) {
  return new StateGraph(ScanState)
    .addNode("discover", discoverNode(deps))
    .addNode("evaluate", evaluateNode(deps))
    .addNode("precheck", precheckNode(deps))
    .addNode("analyse", analyseNode(deps))
    .addNode("plan", planNode(deps))
    .addNode("approve", approveNode(deps))
    .addNode("remediate", remediateNode(deps))
    .addNode("verify", verifyNode(deps))
    .addNode("finalize", finalizeNode(deps))
    .addEdge(START, "discover")
    .addEdge("discover", "evaluate")
    .addConditionalEdges("evaluate", (s) => routeAfterEvaluate(s, deps), ["precheck", "analyse", "finalize"])
    .addEdge("precheck", "analyse")
    .addEdge("analyse", "plan")
    .addConditionalEdges("plan", routeAfterPlan, ["approve", "finalize"])
    .addEdge("approve", "remediate")
    .addEdge("remediate", "verify")
    .addEdge("verify", "finalize")
    .addEdge("finalize", END)
    .compile({ checkpointer });
}

export type ScanGraph = ReturnType<typeof buildScanGraph>;
