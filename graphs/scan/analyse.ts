import { HumanMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { z } from "zod";
import { atLeastAsSevere, compareSeverity } from "../../src/domain/order.ts";
import type { Explanation, Finding } from "../../src/domain/types.ts";
import type { Catalog } from "../../src/engine/catalog.ts";
import { errorMessage } from "../../src/errors.ts";
import type { KnowledgeSearch, Passage } from "../../src/knowledge/types.ts";
import { cacheKeyOf, InvalidModelOutput, invokeJson } from "../../src/llm/invoke.ts";
import { dataBlock, fill, loadPrompt } from "../../src/llm/prompts.ts";
import type { ScanDeps } from "./deps.ts";
import { meterFor, saveMeter } from "./llm-usage.ts";
import type { ScanStateType } from "./state.ts";

export const ANALYSIS_PROMPT = { id: "analysis", version: 1 } as const;

export const analysisSchema = z.object({
  rationale: z.string().min(20).max(2_000),
  citations: z.array(z.object({ controlId: z.string(), passageId: z.string() })).max(10),
  businessImpact: z.string().min(10).max(1_000),
  fixSteps: z.array(z.string().min(3)).min(1).max(10),
});

/** Which findings deserve an explanation: failing critical/high ones, and what the pre-check flagged. */
export function analysisTargets(findings: readonly Finding[], flagged: ReadonlySet<string>): Finding[] {
  return findings
    .filter(
      (f) =>
        !f.suppressed &&
        ((f.status === "FAIL" && atLeastAsSevere(f.severity, "high")) ||
          (f.status === "MANUAL" && flagged.has(f.id))),
    )
    .sort((a, b) => compareSeverity(a.severity, b.severity) || a.id.localeCompare(b.id));
}

/** Rejects citations of passages that were not retrieved, or of controls those passages are not about. */
export function citationProblem(
  answer: z.infer<typeof analysisSchema>,
  passages: readonly Passage[],
): string | undefined {
  const byId = new Map(passages.map((p) => [p.id, p]));
  for (const c of answer.citations) {
    const p = byId.get(c.passageId);
    if (!p) return `citation of passage "${c.passageId}", which is not among the retrieved passages`;
    if (p.controlId && p.controlId !== c.controlId) {
      return `citation pairs passage "${c.passageId}" with control "${c.controlId}", but that passage is about "${p.controlId}"`;
    }
  }
  return undefined;
}

/** An explanation written from the check's own text and the retrieved passages, with no model. */
export function templateExplanation(f: Finding, catalog: Catalog, passages: readonly Passage[]): Explanation {
  const check = catalog.checks.find((c) => c.check.id === f.checkId)?.check;
  const controls = f.frameworks.map((r) => `${r.framework} ${r.controlId}`).join(", ");
  return {
    mode: "offline",
    rationale: `${check?.description ?? f.title} Finding: ${f.reason.replace(/\.?$/, ".")}${controls ? ` This affects ${controls}.` : ""}`,
    businessImpact: check?.risk ?? "A person must confirm this control; until then it is not evidenced.",
    fixSteps: check?.remediation.steps ?? ["Review the control's requirement and record the evidence."],
    citations: passages.slice(0, 2).map((p) => ({
      controlId: p.controlId ?? f.frameworks[0]?.controlId ?? "",
      passageId: p.id,
      framework: p.framework,
      source: p.source,
    })),
  };
}

/**
 * Retrieval for a finding depends only on its check's title and framework references, so findings of one check
 * share one search: a large scan has thousands of failing findings but a few hundred distinct checks.
 */
function retriever(search: KnowledgeSearch | undefined): (f: Finding) => Promise<Passage[]> {
  const searches = new Map<string, Promise<Passage[]>>();
  return (f) => {
    if (!search || f.frameworks.length === 0) return Promise.resolve([]);
    const frameworks = [...new Set(f.frameworks.map((r) => r.framework))];
    const controlIds = [...new Set(f.frameworks.map((r) => r.controlId))];
    const key = JSON.stringify([f.title, frameworks, controlIds]);
    let passages = searches.get(key);
    if (!passages) {
      passages = search.search(f.title, { k: 4, frameworks, controlIds }).catch(() => [] as Passage[]);
      searches.set(key, passages);
    }
    return passages;
  };
}

/**
 * Strong-model analysis with retrieval for failing critical/high findings and flagged MANUAL ones: a
 * rationale with citations, business impact and fix steps, validated; invalid output gets one repair
 * attempt, then the template explanation stands and the reason is logged. Never changes a status.
 */
export function analyseNode(deps: ScanDeps) {
  return async (state: ScanStateType): Promise<Partial<ScanStateType>> => {
    // Only failing and MANUAL findings can be analysed (analysisTargets).
    const findings = await deps.store.findings.allOfScan(state.scanId, ["FAIL", "MANUAL"]);
    const targets = analysisTargets(findings, new Set(state.flagged ?? []));
    if (targets.length === 0) return { completedSteps: ["analyse"] };
    const catalog = await deps.catalog();
    const retrieve = retriever(await deps.retrieval?.());
    const models = deps.models;
    const prompt = models ? await loadPrompt(ANALYSIS_PROMPT.id, ANALYSIS_PROMPT.version) : undefined;
    const meter = models ? await meterFor(deps.store, state.scanId, models.mode) : undefined;
    const items = models
      ? new Map((await deps.store.resources.scanInventory(state.scanId)).map((i) => [i.arn, i]))
      : undefined;
    const patches = new Map<string, Pick<Finding, "explanation">>();
    const dropped: { findingId: string; reason: string }[] = [];

    const analyseOne = async ({ f, index }: { f: Finding; index: number }) => {
      const passages = await retrieve(f);
      const template = templateExplanation(f, catalog, passages);
      if (!models || !prompt || !meter || index >= deps.analysisBudget) {
        patches.set(f.id, { explanation: template });
        return;
      }
      const resource = items?.get(f.resourceArn);
      const { explanation: _e, assessment: _a, evidence: _ev, ...finding } = f;
      try {
        const answer = await invokeJson(
          models.analysis,
          [
            new HumanMessage(
              fill(prompt, {
                passages: dataBlock(
                  passages.map((p) => ({
                    id: p.id,
                    framework: p.framework,
                    controlId: p.controlId,
                    text: p.text,
                  })),
                ),
                resource: dataBlock({
                  finding,
                  resource: resource
                    ? {
                        configuration: resource.configuration,
                        supplementaryConfiguration: resource.supplementaryConfiguration,
                      }
                    : null,
                }),
              }),
            ),
          ],
          deps.callPolicy,
          meter,
          {
            schema: analysisSchema,
            check: (a) => citationProblem(a, passages),
            cache: deps.cache,
            cacheKey: cacheKeyOf({
              prompt: `${prompt.id}.v${prompt.version}`,
              model: models.analysis.id,
              resource: f.resourceContentHash ?? f.resourceArn,
              control: f.frameworks[0]?.controlId ?? f.checkId,
              check: f.checkId,
            }),
          },
        );
        const byId = new Map(passages.map((p) => [p.id, p]));
        patches.set(f.id, {
          explanation: {
            mode: models.mode,
            model: models.analysis.id,
            rationale: answer.rationale,
            businessImpact: answer.businessImpact,
            fixSteps: answer.fixSteps,
            citations: answer.citations.map((c) => ({
              ...c,
              framework: byId.get(c.passageId)?.framework,
              source: byId.get(c.passageId)?.source,
            })),
          },
        });
      } catch (error) {
        const reason = error instanceof InvalidModelOutput ? error.message : errorMessage(error);
        dropped.push({ findingId: f.id, reason });
        patches.set(f.id, { explanation: template });
      }
    };
    const inputs = targets.map((f, index) => ({ f, index }));
    // With a model, a batch of runnables: the batch config's maxConcurrency bounds the model calls in flight.
    // Without one there is nothing to bound (templates only), so no per-item runnable overhead either.
    if (models) {
      await RunnableLambda.from(analyseOne).batch(inputs, { maxConcurrency: deps.callPolicy.maxConcurrency });
    } else {
      await Promise.all(inputs.map(analyseOne));
    }
    await deps.store.findings.annotate(state.scanId, patches);
    if (meter) await saveMeter(deps.store, state.scanId, meter);
    for (const d of dropped) deps.logger.warn({ scanId: state.scanId, ...d }, "model analysis dropped");
    return { analysisDropped: dropped, completedSteps: ["analyse"] };
  };
}
