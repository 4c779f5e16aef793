import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CATALOG_DOC, catalogDoc } from "../../scripts/catalog-doc.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings, type Settings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, PACKAGE_ROOT, SETTINGS_FILE } from "../../src/paths.ts";

const FIXTURES = path.join(PACKAGE_ROOT, "test", "fixtures", "checks");
/** Fixtures are written against a fixed date so that ages ("key created 200 days ago") never drift. */
const NOW = new Date("2026-06-01T00:00:00Z");

interface Case {
  name: string;
  expect: "PASS" | "FAIL" | "ERROR" | "SKIP";
  item: Partial<ConfigurationItem>;
  context?: Partial<ConfigurationItem>[];
}

function complete(partial: Partial<ConfigurationItem>, resourceType: string): ConfigurationItem {
  const resourceId = partial.resourceId ?? "fixture-resource";
  return {
    resourceType,
    resourceId,
    arn: `arn:aws:fixture:::${resourceId}`,
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
    ...partial,
  };
}

const settings: Settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function casesOf(checkId: string): Case[] {
  const file = path.join(FIXTURES, `${checkId}.yaml`);
  if (!existsSync(file)) return [];
  return (parse(readFileSync(file, "utf8")) as { cases?: Case[] }).cases ?? [];
}

describe("built-in check catalog", () => {
  it("loads, validates and holds at least 200 checks across at least 18 services", () => {
    expect(catalog.length).toBeGreaterThanOrEqual(200);
    const services = new Set(catalog.map((c) => c.check.service));
    expect(services.size).toBeGreaterThanOrEqual(18);
    for (const s of ["ec2", "s3", "iam", "rds", "lambda", "cloudtrail", "kms", "logs", "cloudwatch", "sns"])
      expect(services).toContain(s);
    for (const s of ["config", "securityhub", "guardduty", "accessanalyzer", "efs", "organizations", "macie"])
      expect(services).toContain(s);
  });

  it("has an index (CATALOG.md) generated from the YAML files; run scripts/catalog-doc.ts when this fails", () => {
    expect(readFileSync(CATALOG_DOC, "utf8")).toBe(catalogDoc());
  });

  it("has a fixture with a passing and a failing case for every check", () => {
    const missing = catalog
      .map((c) => c.check.id)
      .filter((id) => {
        const cases = casesOf(id);
        return !cases.some((c) => c.expect === "PASS") || !cases.some((c) => c.expect === "FAIL");
      });
    expect(missing).toEqual([]);
  });
});

describe.each(catalog.map((c) => [c.check.id, c] as const))("check %s", (_id, compiled) => {
  const cases = casesOf(compiled.check.id);
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const item = complete(c.item, compiled.check.resourceType);
    const context = [item, ...(c.context ?? []).map((p) => complete(p, p.resourceType ?? "AWS::::Account"))];
    const verdict = evaluateOne(compiled, item, createContext(context, settings, NOW));
    if (c.expect === "SKIP") {
      expect(verdict).toBeUndefined();
      return;
    }
    expect(verdict?.status, verdict?.reason).toBe(c.expect);
    // A reason names the field and the value seen, for PASS as much as for FAIL.
    expect(verdict!.reason.length).toBeGreaterThan(15);
  });
});
