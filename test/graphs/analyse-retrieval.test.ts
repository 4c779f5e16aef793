/**
 * The analyse node without a model: every failing high/critical finding gets a template explanation citing the
 * passages retrieved for its check, and findings of one check share one search (a large scan has thousands of
 * such findings and a few hundred checks). Real embedded store, real knowledge index, the bundled sample scan.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { analyseNode, analysisTargets } from "../../graphs/scan/analyse.ts";
import type { ScanDeps } from "../../graphs/scan/deps.ts";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/index.ts";
import type { KnowledgeSearch } from "../../src/knowledge/types.ts";
import { createLogger } from "../../src/logger.ts";
import { startScan } from "../../src/services/scan-service.ts";
import { openStore } from "../../src/store/index.ts";

let app: App;
let scanId: string;

beforeAll(async () => {
  const store = await openStore({ dataDir: "memory://" });
  app = await createApp(
    loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-analyse-test-unused", ENFORCEAI_USER: "t" }),
    {
      store,
      logger: createLogger({ level: "silent", format: "json" }),
    },
  );
  scanId = (await startScan(app, { source: { kind: "demo" }, requestedBy: "t" })).id;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

it("searches once per distinct check and cites what that search found", async () => {
  const real = await app.retrieval();
  expect(real).toBeDefined();
  const queries: string[] = [];
  const counting: KnowledgeSearch = {
    search(query, options) {
      queries.push(query);
      return real!.search(query, options);
    },
  };
  const deps = {
    store: app.store,
    catalog: () => app.catalog(),
    logger: app.logger,
    retrieval: async () => counting,
    analysisBudget: 0,
  } as unknown as ScanDeps;
  await analyseNode(deps)({ scanId } as never);

  const findings = await app.store.findings.allOfScan(scanId);
  const targets = analysisTargets(findings, new Set()).filter((f) => f.frameworks.length > 0);
  const checks = new Set(targets.map((f) => f.checkId));
  expect(targets.length).toBeGreaterThan(checks.size); // several findings share a check
  expect(queries.length).toBe(checks.size);
  expect(new Set(queries).size).toBe(queries.length);

  const annotated = new Map((await app.store.findings.allOfScan(scanId)).map((f) => [f.id, f]));
  const cited = targets.filter((f) => (annotated.get(f.id)?.explanation?.citations.length ?? 0) > 0);
  expect(cited.length).toBeGreaterThan(0);
  // Findings of one check cite the same passages.
  for (const check of checks) {
    const ids = targets
      .filter((f) => f.checkId === check)
      .map((f) => JSON.stringify(annotated.get(f.id)?.explanation?.citations.map((c) => c.passageId)));
    expect(new Set(ids).size).toBe(1);
  }
}, 120_000);
