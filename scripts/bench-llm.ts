// npm run bench:llm — model calls, tokens and estimated cost per scan of the sample account with scripted
// models (no model can run here): first scan, re-scan unchanged, re-scan after one resource changed.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createApp } from "../src/app.ts";
import { createMemoryCache } from "../src/cache/index.ts";
import { loadConfig } from "../src/config/index.ts";
import { withContentHash } from "../src/domain/shape.ts";
import { createLogger } from "../src/logger.ts";
import { SAMPLE_INVENTORY_FILE } from "../src/paths.ts";
import { startScan } from "../src/services/scan-service.ts";
import { openStore } from "../src/store/index.ts";
import { analysisAnswer, precheckAnswer, scriptedModel } from "../test/helpers/models.ts";
import { readInventoryFile, writeInventoryFile } from "../tools/aws/inventory-file.ts";

const dir = await mkdtemp(path.join(os.tmpdir(), "enforceai-bench-llm-"));
const store = await openStore({ dataDir: "memory://" });
const cache = createMemoryCache();
const precheck = scriptedModel(
  precheckAnswer((id) => (id.endsWith(":1.1/123456789012") ? "needs_analysis" : "fine")),
  5000,
);
const analysis = scriptedModel(analysisAnswer, 5000);
const app = await createApp(
  loadConfig({
    ENFORCEAI_HOME: dir,
    ENFORCEAI_MODEL_ANALYSIS: "anthropic.claude-sonnet-4-5",
    ENFORCEAI_MODEL_PRECHECK: "anthropic.claude-haiku-4-5",
  }),
  {
    store: { ...store, close: async () => {} },
    cache,
    logger: createLogger({ level: "silent", format: "json" }),
    models: { precheck: precheck.model, analysis: analysis.model, mode: "scripted" },
  },
);

// A copy of the sample with one failing resource changed (a bucket's tags), for the third scan.
const changed = path.join(dir, "changed.json");
const inventory = await readInventoryFile(SAMPLE_INVENTORY_FILE);
const index = inventory.items.findIndex(
  (i) => i.resourceType === "AWS::S3::Bucket" && i.resourceId.includes("public-policy"),
);
inventory.items[index] = withContentHash({
  ...inventory.items[index]!,
  tags: { ...inventory.items[index]!.tags, touched: "yes" },
});
await writeInventoryFile(changed, inventory);

const rows: Record<string, unknown>[] = [];
for (const [label, file] of [
  ["first scan", SAMPLE_INVENTORY_FILE],
  ["re-scan, unchanged", SAMPLE_INVENTORY_FILE],
  ["re-scan, one resource changed", changed],
] as const) {
  const before = { p: precheck.prompts.length, a: analysis.prompts.length };
  const t0 = performance.now();
  const scan = await startScan(app, { source: { kind: "inventory", file }, requestedBy: "bench" });
  const llm = scan.llm as {
    calls: number;
    inputTokens: number;
    outputTokens: number;
    cacheHits: number;
    estimatedCostUsd: number;
  };
  rows.push({
    scan: label,
    "precheck calls": precheck.prompts.length - before.p,
    "analysis calls": analysis.prompts.length - before.a,
    "input tokens": llm.inputTokens,
    "output tokens": llm.outputTokens,
    "cache hits": llm.cacheHits,
    "est. cost USD": llm.estimatedCostUsd,
    "wall ms": Math.round(performance.now() - t0),
  });
  console.log(JSON.stringify({ bench: "llm", ...rows.at(-1) }));
}
console.table(rows);
console.log("tokens are estimated (~4 characters per token): scripted models report no usage");
await app.close();
await store.close();
await rm(dir, { recursive: true, force: true });
