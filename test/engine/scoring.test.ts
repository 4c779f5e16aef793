import { describe, expect, it } from "vitest";
import type { Suppression } from "../../src/domain/suppression.ts";
import type { Finding } from "../../src/domain/types.ts";
import { type Framework, parseFramework } from "../../src/engine/frameworks.ts";
import { scorePosture, topFailingControls } from "../../src/engine/scoring.ts";
import { applySuppressions } from "../../src/engine/suppress.ts";
import { ValidationError } from "../../src/errors.ts";

function f(
  checkId: string,
  resourceId: string,
  status: Finding["status"],
  extra: Partial<Finding> = {},
): Finding {
  return {
    id: `111122223333/us-east-1/${checkId}/${resourceId}`,
    checkId,
    title: checkId,
    severity: "high",
    status,
    reason: "r",
    resourceType: "AWS::S3::Bucket",
    resourceId,
    resourceArn: `arn:aws:s3:::${resourceId}`,
    resourceName: resourceId,
    region: "us-east-1",
    accountId: "111122223333",
    service: "s3",
    tags: {},
    frameworks: [],
    suppressed: false,
    ...extra,
  };
}

const framework: Framework = {
  id: "fw",
  name: "Test framework",
  version: "1",
  description: "A framework for tests.",
  controls: [
    { id: "1", title: "All pass", description: "Every bucket passes.", checks: ["a"] },
    { id: "2", title: "One fails", description: "One bucket fails.", checks: ["a", "b"] },
    { id: "3", title: "A person decides", description: "Manual control.", manual: true },
    { id: "4", title: "Errors only", description: "Could not read.", checks: ["c"] },
    { id: "5", title: "Nothing to judge", description: "No resources.", checks: ["d"] },
  ],
  source: { kind: "builtin", file: "fw.yaml" },
};

function suppression(extra: Partial<Suppression>): Suppression {
  return {
    id: "s1",
    checkId: null,
    resourceArn: null,
    tagKey: null,
    tagValue: null,
    accountId: null,
    region: null,
    reason: "accepted risk",
    owner: "team",
    expiresAt: null,
    createdBy: "alice",
    createdAt: "2026-01-01T00:00:00Z",
    ...extra,
  };
}

describe("scoring", () => {
  const findings = [
    f("a", "x", "PASS"),
    f("a", "y", "PASS"),
    f("b", "x", "FAIL", { severity: "critical" }),
    f("c", "x", "ERROR"),
  ];

  it("scores controls: one failure fails a control, errors alone leave it undecided, manual is counted apart", () => {
    const p = scorePosture(findings, [framework]);
    expect(p.controls.map((c) => [c.controlId, c.status])).toEqual([
      ["1", "PASS"],
      ["2", "FAIL"],
      ["3", "MANUAL"],
      ["4", "ERROR"],
      ["5", "NO_RESOURCES"],
    ]);
    expect(p.frameworks.fw).toEqual({
      score: 50,
      passed: 1,
      failed: 1,
      manual: 1,
      errors: 1,
      noResources: 1,
    });
    expect(p.bySeverity.critical).toEqual({ passed: 0, failed: 1 });
    expect(p.byService.s3).toEqual({ passed: 2, failed: 1, score: 66.7 });
    expect(topFailingControls(p)[0]).toMatchObject({ controlId: "2", worstSeverity: "critical" });
  });

  it("takes suppressed findings out of the score but keeps them in the report", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    const suppressed = applySuppressions(findings, [suppression({ checkId: "b" })], now);
    expect(suppressed.find((x) => x.checkId === "b")).toMatchObject({
      suppressed: true,
      suppression: { reason: "accepted risk" },
    });
    const p = scorePosture(suppressed, [framework]);
    expect(p.frameworks.fw!.score).toBe(100);
    expect(p.totals.suppressed).toBe(1);
  });
});

describe("suppressions", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const target = f("b", "x", "FAIL", { tags: { env: "sandbox" } });

  it.each<[string, Partial<Suppression>, boolean]>([
    ["by check", { checkId: "b" }, true],
    ["by another check", { checkId: "a" }, false],
    ["by resource ARN", { resourceArn: "arn:aws:s3:::x" }, true],
    ["by tag key and value", { tagKey: "env", tagValue: "sandbox" }, true],
    ["by tag key with another value", { tagKey: "env", tagValue: "prod" }, false],
    ["by tag key alone", { tagKey: "env" }, true],
    ["by account", { accountId: "111122223333" }, true],
    ["by region", { region: "eu-west-1" }, false],
    ["by check and region (both must match)", { checkId: "b", region: "eu-west-1" }, false],
    ["expired", { checkId: "b", expiresAt: "2026-05-31T23:59:59Z" }, false],
    ["not yet expired", { checkId: "b", expiresAt: "2026-06-02T00:00:00Z" }, true],
  ])("%s", (_name, s, expected) => {
    expect(applySuppressions([target], [suppression(s)], now)[0]!.suppressed).toBe(expected);
  });

  it("never marks a PASS as suppressed", () => {
    expect(
      applySuppressions([f("b", "x", "PASS")], [suppression({ checkId: "b" })], now)[0]!.suppressed,
    ).toBe(false);
  });
});

describe("framework files", () => {
  const known = new Set(["a", "b"]);
  const doc = (controls: string) =>
    `id: my-policy\nname: Internal policy\nversion: "1"\ndescription: Our own rules for tests.\ncontrols:\n${controls}`;

  it("loads a framework added as a file", () => {
    const fw = parseFramework(
      "my.yaml",
      doc(
        '  - id: "P-1"\n    title: Buckets version\n    description: Keep versions of objects.\n    checks: [a]\n',
      ),
      known,
      "custom",
    );
    expect(fw.controls[0]!.checks).toEqual(["a"]);
  });

  it.each([
    [
      "an unknown check",
      '  - id: "P-1"\n    title: Title one\n    description: Something here.\n    checks: [zzz]\n',
      /controls\.0\.checks: control "P-1" maps to unknown check "zzz"/,
    ],
    [
      "a duplicate control",
      '  - id: "P-1"\n    title: Title one\n    description: Something here.\n    manual: true\n  - id: "P-1"\n    title: Title two\n    description: Something else.\n    manual: true\n',
      /control "P-1" appears twice/,
    ],
    [
      "checks and manual together",
      '  - id: "P-1"\n    title: Title one\n    description: Something here.\n    checks: [a]\n    manual: true\n',
      /either `checks`/,
    ],
  ])("rejects %s, naming the file and field", (_name, controls, pattern) => {
    expect(() => parseFramework("my.yaml", doc(controls), known, "custom")).toThrow(ValidationError);
    expect(() => parseFramework("my.yaml", doc(controls), known, "custom")).toThrow(pattern);
  });
});
