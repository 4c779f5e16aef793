import { createHash } from "node:crypto";
import { HumanMessage } from "@langchain/core/messages";
import { z } from "zod";
import type { ConfigurationItem, Finding } from "../../src/domain/types.ts";
import { errorMessage } from "../../src/errors.ts";
import { cacheKeyOf, invokeJson } from "../../src/llm/invoke.ts";
import { dataBlock, fill, loadPrompt } from "../../src/llm/prompts.ts";
import type { ScanDeps } from "./deps.ts";
import { meterFor, saveMeter } from "./llm-usage.ts";
import type { ScanStateType } from "./state.ts";

export const PRECHECK_PROMPT = { id: "precheck", version: 1 } as const;

const verdictSchema = z.object({
  items: z.array(
    z.object({
      itemId: z.string(),
      verdict: z.enum(["fine", "needs_analysis", "not_applicable"]),
      note: z.string().max(500),
    }),
  ),
});

/**
 * A compact, aggregate view of one account for triage: resource counts per type and the failing checks per
 * type. No names, tags or policies go in: the fast model sees facts the engine already established.
 */
export function accountDigest(
  items: readonly ConfigurationItem[],
  findings: readonly Finding[],
  accountId: string,
) {
  const types: Record<string, { resources: number; failingChecks: Record<string, number> }> = {};
  for (const i of items) {
    if (i.accountId !== accountId) continue;
    types[i.resourceType] ??= { resources: 0, failingChecks: {} };
    types[i.resourceType]!.resources++;
  }
  for (const f of findings) {
    if (f.accountId !== accountId || f.status !== "FAIL") continue;
    types[f.resourceType] ??= { resources: 0, failingChecks: {} };
    const t = types[f.resourceType]!;
    t.failingChecks[f.checkId] = (t.failingChecks[f.checkId] ?? 0) + 1;
  }
  return { accountId, resourceTypes: types };
}

/**
 * Fast-model triage of the controls no check decides (MANUAL findings), many per call. Advisory only: the
 * answer is attached to the MANUAL finding; it never turns into a PASS or a FAIL.
 */
export function precheckNode(deps: ScanDeps) {
  return async (state: ScanStateType): Promise<Partial<ScanStateType>> => {
    const models = deps.models;
    if (!models) return { flagged: [], completedSteps: ["precheck"] };
    // The MANUAL findings are triaged; the account digest counts the failing ones.
    const findings = await deps.store.findings.allOfScan(state.scanId, ["FAIL", "MANUAL"]);
    const manual = findings.filter((f) => f.status === "MANUAL" && !f.suppressed);
    if (manual.length === 0) return { flagged: [], completedSteps: ["precheck"] };
    const catalog = await deps.catalog();
    const items = await deps.store.resources.scanInventory(state.scanId);
    const prompt = await loadPrompt(PRECHECK_PROMPT.id, PRECHECK_PROMPT.version);
    const meter = await meterFor(deps.store, state.scanId, models.mode);
    const patches = new Map<string, Pick<Finding, "assessment">>();
    const flagged: string[] = [];

    const byAccount = new Map<string, Finding[]>();
    for (const f of manual) byAccount.set(f.accountId, [...(byAccount.get(f.accountId) ?? []), f]);
    for (const [accountId, group] of byAccount) {
      const digest = accountDigest(items, findings, accountId);
      const digestHash = createHash("sha256").update(JSON.stringify(digest)).digest("hex");
      for (let i = 0; i < group.length; i += deps.precheckBatchSize) {
        const batch = group.slice(i, i + deps.precheckBatchSize);
        const described = batch.map((f) => {
          const ref = f.frameworks[0]!;
          const fw = catalog.frameworks.find((x) => x.id === ref.framework);
          const control = fw?.controls.find((c) => c.id === ref.controlId);
          return {
            itemId: f.id,
            framework: ref.framework,
            controlId: ref.controlId,
            title: control?.title,
            requirement: control?.description,
          };
        });
        const ids = new Set(batch.map((f) => f.id));
        try {
          const answer = await invokeJson(
            models.precheck,
            [new HumanMessage(fill(prompt, { items: dataBlock(described), resources: dataBlock(digest) }))],
            deps.callPolicy,
            meter,
            {
              schema: verdictSchema,
              check: (v) => {
                const got = new Set(v.items.map((x) => x.itemId));
                const missing = [...ids].filter((id) => !got.has(id));
                const extra = [...got].filter((id) => !ids.has(id));
                if (missing.length) return `missing verdicts for ${missing.join(", ")}`;
                if (extra.length) return `unknown item ids ${extra.join(", ")}`;
                return undefined;
              },
              cache: deps.cache,
              cacheKey: cacheKeyOf({
                prompt: `${prompt.id}.v${prompt.version}`,
                model: models.precheck.id,
                resources: digestHash,
                controls: [...ids].sort().join(","),
              }),
            },
          );
          for (const v of answer.items) {
            patches.set(v.itemId, { assessment: { verdict: v.verdict, note: v.note, mode: models.mode } });
            if (v.verdict === "needs_analysis") flagged.push(v.itemId);
          }
        } catch (error) {
          deps.logger.warn({ scanId: state.scanId, error: errorMessage(error) }, "pre-check batch dropped");
        }
      }
    }
    await deps.store.findings.annotate(state.scanId, patches);
    await saveMeter(deps.store, state.scanId, meter);
    return { flagged, completedSteps: ["precheck"] };
  };
}
