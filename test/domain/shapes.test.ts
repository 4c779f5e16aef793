import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as api from "../../src/api/schemas.ts";
import { scanRecordSchema } from "../../src/domain/scan.ts";
import {
  citationSchema,
  configurationItemSchema,
  coverageGapSchema,
  findingSchema,
  frameworkRefSchema,
} from "../../src/domain/types.ts";
import { assess } from "../../src/engine/assess.ts";
import { loadCatalog } from "../../src/engine/catalog.ts";
import { PACKAGE_ROOT } from "../../src/paths.ts";

const inventory = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "test", "fixtures", "inventories", "small-account.json"), "utf8"),
) as { items: unknown[] };

describe("API-visible shapes have one definition", () => {
  it("the domain schemas describe exactly what the engine produces (no field the schema lacks)", async () => {
    const items = inventory.items.map((i) => configurationItemSchema.strict().parse(i));
    const catalog = await loadCatalog();
    const { findings } = assess(items, catalog, catalog.frameworks, [], new Date("2026-06-01T00:00:00Z"));
    expect(findings.length).toBeGreaterThan(0);
    const strictFinding = findingSchema.strict();
    for (const f of findings) expect(strictFinding.parse(f)).toEqual(f);
  });

  it("the API reuses the domain's schemas, adding or dropping only what the API computes or hides", () => {
    for (const shared of [frameworkRefSchema, citationSchema, coverageGapSchema, configurationItemSchema]) {
      expect(Object.values(api)).toContain(shared);
    }
    expect(Object.keys(api.findingSchema.shape)).toEqual([
      ...Object.keys(findingSchema.shape),
      "pendingSuppression",
    ]);
    expect(api.findingSchema.shape.frameworks).toBe(findingSchema.shape.frameworks);
    expect(Object.keys(api.scanSchema.shape)).toEqual(
      Object.keys(scanRecordSchema.shape).filter((k) => k !== "options"),
    );
    expect(api.scanSchema.shape.coverageGaps).toBe(scanRecordSchema.shape.coverageGaps);
  });
});
