import { describe, expect, it } from "vitest";
import { renderJson } from "../../src/report/json.ts";
import type { ScanReport } from "../../src/report/model.ts";
import { fixtureReport } from "./fixture.ts";

const CONTRACT_SCAN_KEYS = [
  "id",
  "status",
  "startedAt",
  "completedAt",
  "accounts",
  "regions",
  "resourceCount",
  "coverageGaps",
  "scores",
  "llm",
];
const CONTRACT_FINDING_KEYS = [
  "id",
  "checkId",
  "title",
  "severity",
  "status",
  "reason",
  "resourceType",
  "resourceId",
  "resourceArn",
  "resourceName",
  "region",
  "accountId",
  "tags",
  "frameworks",
  "suppressed",
];
const ALLOWED_EXTRA_FINDING_KEYS = ["suppression", "service", "evidence"];

type Parsed = {
  scan: Record<string, unknown> & {
    scores: Record<string, Record<string, unknown>>;
    llm: Record<string, unknown>;
    coverageGaps: Record<string, unknown>[];
  };
  findings: Record<string, unknown>[];
  posture: Record<string, unknown>;
};

describe("renderJson", () => {
  const report = fixtureReport();
  const text = renderJson(report);
  const parsed = JSON.parse(text) as Parsed;

  it("has the contract's top-level shape, plus posture", () => {
    expect(Object.keys(parsed)).toEqual(["scan", "findings", "posture"]);
    for (const key of CONTRACT_SCAN_KEYS) expect(parsed.scan).toHaveProperty(key);
    expect(parsed.scan.llm).toEqual({ mode: "offline", calls: 0, inputTokens: 0, outputTokens: 0 });
    expect(parsed.scan.scores["cis-aws-3.0"]).toEqual({ score: 71.4, passed: 40, failed: 16, manual: 6 });
    expect(parsed.scan.coverageGaps).toEqual([
      {
        service: "rds",
        region: "eu-west-1",
        code: "AccessDenied",
        error: "rds:DescribeDBInstances was denied",
      },
    ]);
    expect(parsed.posture).toHaveProperty("totals");
    expect(parsed.posture).toHaveProperty("controls");
  });

  it("prints every finding with the contract keys first, in contract order, and only allowed extras", () => {
    expect(parsed.findings).toHaveLength(report.findings.length);
    for (const f of parsed.findings) {
      const keys = Object.keys(f);
      expect(keys.slice(0, CONTRACT_FINDING_KEYS.length)).toEqual(CONTRACT_FINDING_KEYS);
      for (const extra of keys.slice(CONTRACT_FINDING_KEYS.length))
        expect(ALLOWED_EXTRA_FINDING_KEYS).toContain(extra);
    }
    const suppressed = parsed.findings.find((f) => f.suppressed === true)!;
    expect(suppressed.suppression).toEqual({
      id: "sup-1",
      reason: "Accepted risk, ticket SEC-12",
      owner: "alice",
      expiresAt: "2030-01-01",
    });
    expect(parsed.findings.map((f) => f.id)).toEqual(report.findings.map((f) => f.id));
  });

  it("keeps values intact (the JSON is data, not markup)", () => {
    const critical = parsed.findings.find((f) => f.severity === "critical")!;
    expect(critical.resourceName).toBe("<script>alert(1)</script>");
    expect(critical.tags).toEqual({ Env: "prod", Owner: '=HYPERLINK("http://x")' });
    expect(critical.frameworks).toEqual([
      { framework: "cis-aws-3.0", controlId: "2.1.4" },
      { framework: "pci-dss-4.0", controlId: "1.4.1" },
    ]);
  });

  it("is pretty-printed with two spaces and a stable key order", () => {
    expect(text.split("\n")[1]).toBe('  "scan": {');
    // the same data assembled with keys in another order renders identically
    const rev = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).reverse()) as T;
    const shuffled: ScanReport = {
      posture: rev({
        ...report.posture,
        bySeverity: rev(report.posture.bySeverity),
        byService: rev(report.posture.byService),
        controls: report.posture.controls.map(rev),
      }),
      findings: report.findings.map((f) =>
        rev({ ...f, tags: rev(f.tags), frameworks: f.frameworks.map(rev) }),
      ),
      scan: rev({
        ...report.scan,
        llm: rev(report.scan.llm),
        coverageGaps: report.scan.coverageGaps.map(rev),
        scores: Object.fromEntries(Object.entries(report.scan.scores).map(([k, v]) => [k, rev(v)])),
      }),
    };
    expect(renderJson(shuffled)).toBe(text);
  });

  it("prints tags sorted by key", () => {
    const critical = parsed.findings.find((f) => f.severity === "critical")!;
    expect(Object.keys(critical.tags as object)).toEqual(["Env", "Owner"]);
  });
});
