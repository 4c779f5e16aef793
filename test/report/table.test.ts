import { describe, expect, it } from "vitest";
import { cleanText, renderTable, stripAnsi, truncateLine } from "../../src/report/table.ts";
import { fixtureFindings, fixtureReport, manyFailing } from "./fixture.ts";

const ESC = "\u001b";

describe("renderTable", () => {
  const report = fixtureReport();
  const plain = renderTable(report, { color: false });
  const colored = renderTable(report, { color: true });

  it("has no ANSI escapes without colour, and has them with colour", () => {
    expect(plain).not.toContain(ESC);
    expect(colored).toContain(`${ESC}[`);
    expect(stripAnsi(colored)).toBe(plain);
  });

  it("starts with a header: scan id, accounts, regions, resources, duration", () => {
    const head = plain.split("\n").slice(0, 4).join("\n");
    expect(head).toContain("scan-0001");
    expect(head).toContain("123456789012");
    expect(head).toContain("us-east-1, eu-west-1");
    expect(head).toMatch(/resources\s+42/);
    expect(head).toContain("1m 13s");
  });

  it("shows the scores per framework and the severity breakdown", () => {
    expect(plain).toMatch(/cis-aws-3\.0\s+71\.4%\s+[█░]{20}\s+40\s+16\s+6/);
    expect(plain).toMatch(/pci-dss-4\.0\s+50%\s+[█░]{20}\s+1\s+1\s+3/);
    expect(plain).toMatch(
      /cis-aws-3\.0 .*\s+56 of 62 controls automated · CIS AWS Foundations Benchmark 3\.0\.0/,
    );
    expect(plain).toContain("2 of 5 controls automated · PCI DSS 4.0");
    // The fixture's CIS 3.6 control could not be evaluated: an errors column appears, counted from the controls.
    expect(plain).toMatch(/framework\s+score\s+passed\s+failed\s+manual\s+errors/);
    expect(plain).toMatch(/cis-aws-3\.0\s+71\.4%\s+[█░]{20}\s+40\s+16\s+6\s+1 /);
    expect(plain).toMatch(
      /Failing findings\s+2\s+critical 1 · high 1 · medium 0 · low 0 · informational 0\s+\+ 1 suppressed/,
    );
  });

  it("shows coverage gaps clearly", () => {
    expect(plain).toContain("Coverage gaps: 1 service/region pair could not be read");
    expect(plain).toMatch(/rds\s+eu-west-1\s+AccessDenied: rds:DescribeDBInstances was denied/);
  });

  it("groups failing findings by severity, critical first, then by check", () => {
    const critical = plain.indexOf("CRITICAL");
    const high = plain.indexOf("HIGH");
    const low = plain.indexOf("LOW");
    expect(critical).toBeGreaterThan(-1);
    expect(critical).toBeLessThan(high);
    expect(high).toBeLessThan(low);
    expect(plain).toMatch(
      /S3 bucket is not publicly accessible \(s3_bucket_public_access_blocked\) — 1 resource/,
    );
    expect(plain).toContain('• <script>alert(1)</script>  (us-east-1) — Bucket policy "Principal" is "*"');
  });

  it("shows suppressed findings dimmed, with the suppression reason", () => {
    expect(plain).toContain(
      "~ +scratch  (us-east-1) — suppressed: Accepted risk, ticket SEC-12 (owner alice, until 2030-01-01)",
    );
    const line = colored.split("\n").find((l) => l.includes("Accepted risk"))!;
    expect(line.startsWith(`${ESC}[2m`)).toBe(true);
  });

  it("puts ERROR findings in their own 'Not evaluated' group with the reason", () => {
    const notEvaluated = plain.indexOf("Not evaluated");
    expect(notEvaluated).toBeGreaterThan(plain.indexOf("LOW"));
    const after = plain.slice(notEvaluated);
    expect(after).toContain("KMS key rotation is enabled (kms_key_rotation_enabled)");
    expect(after).toContain("AccessDenied: kms:GetKeyRotationStatus was denied. Grant it to the scan role");
    expect(plain.slice(0, notEvaluated)).not.toContain("kms_key_rotation_enabled");
  });

  it("ends with the LLM mode line", () => {
    expect(plain.trimEnd().split("\n").at(-1)).toBe("explanations: offline templates (no model)");
    const bedrock = fixtureReport();
    bedrock.scan.llm = {
      mode: "bedrock",
      calls: 3,
      inputTokens: 1200,
      outputTokens: 300,
      estimatedCostUsd: 0.012,
    };
    expect(renderTable(bedrock, { color: false })).toContain(
      "explanations: bedrock (3 calls, 1200 input / 300 output tokens, ~$0.01)",
    );
  });

  it("lists passed findings only when asked", () => {
    expect(plain).toContain("Passed: 1 finding across 1 check.");
    expect(plain).not.toContain("logs-bucket");
    expect(renderTable(report, { color: false, showPassed: true })).toContain("• logs-bucket  (us-east-1)");
  });

  it("truncates every line to the width, colour or not", () => {
    for (const color of [false, true]) {
      const out = renderTable(report, { color, width: 60 });
      for (const line of out.split("\n")) expect([...stripAnsi(line)].length).toBeLessThanOrEqual(60);
      expect(out).toContain("…");
    }
  });

  it("limits resources per check and says how many more", () => {
    const out = renderTable(fixtureReport(manyFailing(200)), { color: false, maxResources: 3 });
    expect(out).toMatch(/… and 5 more/);
  });

  it("strips terminal control sequences from account data", () => {
    const findings = fixtureFindings();
    findings[1]!.resourceName = `evil${ESC}]0;pwned${ESC}\\\u202ename`;
    for (const color of [false, true]) {
      const out = renderTable(fixtureReport(findings), { color });
      expect(out).not.toContain(`${ESC}]`);
      expect(out).not.toContain("\u202e");
    }
  });
});

describe("table helpers", () => {
  it("truncateLine keeps escape sequences and resets colour", () => {
    const line = `${ESC}[31mabcdefghij${ESC}[39m`;
    expect(truncateLine(line, 5, true)).toBe(`${ESC}[31mabcd…${ESC}[0m`);
    expect(truncateLine("abcdefghij", 5, false)).toBe("abcd…");
    expect(truncateLine("abc", 5, false)).toBe("abc");
  });
  it("cleanText replaces control characters with spaces", () => {
    expect(cleanText("a\nb\u0007c")).toBe("a b c");
  });
});
