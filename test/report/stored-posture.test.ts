/**
 * A scan's posture is judged once, when the scan is evaluated: a report of a stored scan reads that posture,
 * so changing the catalog afterwards (a framework mapping added later) does not rewrite the old scan.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.ts";
import { createMemoryCache } from "../../src/cache/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import type { Catalog } from "../../src/engine/catalog.ts";
import { selectFrameworks } from "../../src/engine/frameworks.ts";
import { scorePosture } from "../../src/engine/scoring.ts";
import { createLogger } from "../../src/logger.ts";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { buildReport } from "../../src/report/build.ts";
import { startScan } from "../../src/services/scan-service.ts";
import { openStore, type Store } from "../../src/store/index.ts";

const FIXTURE = path.join(PACKAGE_ROOT, "test", "fixtures", "inventories", "small-account.json");
const FRAMEWORK = "cis-aws-3.0";

let store: Store;
let dir: string;
let app: App;
let scanId: string;
let catalog: Catalog;

beforeAll(async () => {
  store = await openStore({ dataDir: "memory://" });
  dir = await mkdtemp(path.join(os.tmpdir(), "enforceai-posture-"));
  app = await createApp(loadConfig({ ENFORCEAI_HOME: dir }), {
    store: { ...store, close: async () => {} },
    cache: createMemoryCache(),
    logger: createLogger({ level: "silent", format: "json" }),
    clock: () => new Date("2026-06-01T12:00:00Z"),
  });
  catalog = await app.catalog();
  const record = await startScan(app, {
    source: { kind: "inventory", file: FIXTURE },
    frameworks: [FRAMEWORK],
    requestedBy: "tester",
    scanId: "posture-scan",
  });
  scanId = record.id;
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The catalog after someone maps a failing check to a new control of the framework the scan scored. */
async function catalogWithMappingAddedLater(): Promise<Catalog> {
  const failing = (await store.findings.allOfScan(scanId)).find((f) => f.status === "FAIL" && !f.suppressed);
  expect(failing, "the fixture has a failing finding").toBeDefined();
  return {
    ...catalog,
    frameworks: catalog.frameworks.map((f) =>
      f.id === FRAMEWORK
        ? {
            ...f,
            controls: [
              ...f.controls,
              {
                id: "99.1",
                title: "Added after the scan",
                description: "mapped later",
                checks: [failing!.checkId],
              },
            ],
          }
        : f,
    ),
  };
}

describe("posture persisted at evaluate time", () => {
  it("stores the full posture when the scan is evaluated", async () => {
    const stored = await store.scans.posture(scanId);
    expect(stored).toBeDefined();
    expect(stored!.frameworkSummaries.map((f) => f.id)).toEqual([FRAMEWORK]);
    expect(stored!.controls.length).toBeGreaterThan(0);
    expect(Object.keys(stored!.bySeverity)).toEqual(["critical", "high", "medium", "low", "informational"]);
    expect(stored!.frameworks[FRAMEWORK]!.score).toBe(
      (await store.scans.get(scanId)).scores[FRAMEWORK]!.score,
    );
  });

  it("a report of a stored scan does not change when the catalog changes afterwards", async () => {
    const before = await buildReport(store, catalog, scanId);
    const changed = await catalogWithMappingAddedLater();
    // Re-scoring with today's catalog would give another posture: the test would catch a recomputation.
    const rescored = scorePosture(
      await store.findings.allOfScan(scanId),
      selectFrameworks(changed.frameworks, [FRAMEWORK]),
    );
    expect(rescored.controls.length).toBe(before.posture.controls.length + 1);
    expect(rescored.frameworks[FRAMEWORK]!.failed).toBe(before.scan.scores[FRAMEWORK]!.failed + 1);

    const after = await buildReport(store, changed, scanId);
    expect(after).toEqual(before);
    expect(after.posture.controls.some((c) => c.controlId === "99.1")).toBe(false);
    expect(after.scan.frameworks).toEqual(before.scan.frameworks);
  });

  it("a scan stored before postures were kept is scored once, then keeps that posture", async () => {
    const before = await buildReport(store, catalog, scanId);
    await store.db.pool.query("UPDATE compliance_scans SET posture = NULL WHERE id = $1", [scanId]);
    expect(await store.scans.posture(scanId)).toBeUndefined();

    expect(await buildReport(store, catalog, scanId)).toEqual(before);
    expect(await store.scans.posture(scanId)).toBeDefined();
    expect(await buildReport(store, await catalogWithMappingAddedLater(), scanId)).toEqual(before);
  });
});
