import { describe, expect, it } from "vitest";
import { renderOcsf } from "../../src/report/ocsf.ts";
import { fixtureReport } from "./fixture.ts";

// biome-ignore lint/suspicious/noExplicitAny: the parsed OCSF JSON is walked by field name in assertions
type Event = Record<string, any>;

describe("renderOcsf", () => {
  const report = fixtureReport();
  const events = JSON.parse(renderOcsf(report, { productVersion: "9.9.9" })) as Event[];
  const byId = new Map(events.map((e) => [e.finding_info.uid as string, e]));
  const eventOf = (pred: (f: (typeof report.findings)[number]) => boolean) =>
    byId.get(report.findings.find(pred)!.id)!;

  it("emits one Compliance Finding (2003) Create event per finding", () => {
    expect(Array.isArray(events)).toBe(true);
    expect(events).toHaveLength(report.findings.length);
    for (const e of events) {
      expect(e.class_uid).toBe(2003);
      expect(e.class_name).toBe("Compliance Finding");
      expect(e.category_uid).toBe(2);
      expect(e.activity_id).toBe(1);
      expect(e.type_uid).toBe(200301);
      expect(e.metadata.version).toBe("1.3.0");
      expect(e.metadata.product).toEqual({ name: "EnforceAI", vendor_name: "EnforceAI", version: "9.9.9" });
      expect(e.time).toBe(Date.parse("2026-01-02T10:01:12.500Z"));
      expect(e.cloud.provider).toBe("AWS");
      expect(e).not.toHaveProperty("remediation");
    }
  });

  it("maps severities to OCSF severity_id", () => {
    const expected = { informational: 1, low: 2, medium: 3, high: 4, critical: 5 } as const;
    for (const f of report.findings) {
      const e = byId.get(f.id)!;
      expect(e.severity_id).toBe(expected[f.severity]);
      expect(e.severity.toLowerCase()).toBe(f.severity);
    }
  });

  it("marks suppressed findings status_id 3 and the rest 1 (New)", () => {
    for (const f of report.findings) {
      const e = byId.get(f.id)!;
      expect(e.status_id).toBe(f.suppressed ? 3 : 1);
      expect(e.status).toBe(f.suppressed ? "Suppressed" : "New");
    }
    expect(eventOf((f) => f.suppressed).unmapped.suppression.reason).toBe("Accepted risk, ticket SEC-12");
  });

  it("fills the compliance object from the verdict and framework refs", () => {
    const critical = eventOf((f) => f.severity === "critical");
    expect(critical.compliance).toMatchObject({
      standards: ["cis-aws-3.0", "pci-dss-4.0"],
      control: "2.1.4",
      requirements: ["cis-aws-3.0:2.1.4", "pci-dss-4.0:1.4.1"],
      status: "Fail",
      status_id: 3,
      status_code: "FAIL",
    });
    expect(critical.compliance.status_detail).toContain('"Principal"');
    expect(eventOf((f) => f.status === "PASS").compliance.status_id).toBe(1);
    expect(eventOf((f) => f.status === "ERROR").compliance.status_id).toBe(2);
    expect(critical.finding_info).toMatchObject({
      title: "S3 bucket is not publicly accessible",
      types: ["s3_bucket_public_access_blocked"],
    });
  });

  it("describes the resource and the cloud account", () => {
    const critical = eventOf((f) => f.severity === "critical");
    expect(critical.resources).toEqual([
      {
        uid: "arn:aws:s3:::public-bucket",
        name: "<script>alert(1)</script>",
        type: "AWS::S3::Bucket",
        region: "us-east-1",
        cloud_partition: "aws",
        owner: { account: { uid: "123456789012", type: "AWS Account", type_id: 10 } },
        labels: ["Env=prod", 'Owner==HYPERLINK("http://x")'],
      },
    ]);
    expect(critical.cloud).toEqual({
      provider: "AWS",
      region: "us-east-1",
      account: { uid: "123456789012", type: "AWS Account", type_id: 10 },
    });
    expect(eventOf((f) => f.status === "PASS").unmapped).not.toHaveProperty("evidence");
  });

  it("defaults the product version to the package version", () => {
    const [first] = JSON.parse(renderOcsf(report)) as Event[];
    expect(first!.metadata.product.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
