import { documentIdFor } from "../../store/documents.ts";
import type { IngestDeps } from "./deps.ts";
import type { IngestRequest, IngestRun, IngestUpdate } from "./state.ts";
import { embedStep, extractionStep, failStep, indexStep, prepareStep, registerStep } from "./steps.ts";

export type { ExtractStep, IngestDeps, IngestStatusEvent } from "./deps.ts";
export type { IngestOutcome, IngestRequest, IngestRun, NormalizedDocument } from "./state.ts";

type Step = (run: IngestRun) => Promise<IngestUpdate>;

/**
 * Ingests one document, a plain sequence of steps (it needs no checkpoints, retries or interrupts, so no graph):
 *
 *   register → prepare → embed → index → extract
 *       │          └─────────┴───────┴──→ fail (status failed, reason recorded)
 *       └→ done when the document is unchanged
 *
 * `prepare` (load, normalise, chunk) and the local embedder's part of `embed` run in the ingest thread, so the
 * event loop stays free for requests while a large document is read.
 *
 * Status in the store follows it: queued (register) → processing (prepare) → indexed (index) | failed (fail).
 * A step's error does not escape: the run ends in `fail`, and the returned run carries it as `failure`.
 */
export async function ingestDocument(deps: IngestDeps, request: IngestRequest): Promise<IngestRun> {
  let run: IngestRun = { request, documentId: documentIdFor(request.framework, request.source), steps: [] };
  const advance = async (name: string, step: Step): Promise<boolean> => {
    try {
      run = { ...run, ...(await step(run)), steps: [...run.steps, name] };
      return true;
    } catch (failure) {
      run = { ...run, failure, steps: [...run.steps, `${name}!`] };
      run = { ...run, ...(await failStep(deps)(run)), steps: [...run.steps, "fail"] };
      return false;
    }
  };
  if (!(await advance("register", registerStep(deps)))) return run;
  if (run.outcome === "unchanged") return run;
  const steps: [string, Step][] = [
    ["prepare", prepareStep(deps)],
    ["embed", embedStep(deps)],
    ["index", indexStep(deps)],
  ];
  for (const [name, step] of steps) if (!(await advance(name, step))) return run;
  // Extraction records its own failure on the document; it never undoes the indexing.
  const extracted = await extractionStep(deps)(run);
  return { ...run, ...extracted, steps: [...run.steps, "extract"] };
}
