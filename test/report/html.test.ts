import { describe, expect, it } from "vitest";
import { escapeHtml, renderHtml } from "../../src/report/html.ts";
import { fixtureFindings, fixtureReport, manyFailing, PASS_EVIDENCE_MARKER } from "./fixture.ts";

const count = (text: string, needle: string | RegExp) =>
  typeof needle === "string" ? text.split(needle).length - 1 : (text.match(needle) ?? []).length;

describe("escapeHtml", () => {
  it("escapes markup and quote characters", () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe(
      "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
    );
    expect(escapeHtml(`a & b 'c' \`d\``)).toBe("a &amp; b &#39;c&#39; &#96;d&#96;");
    expect(escapeHtml(`" onmouseover="alert(1)`)).not.toContain('"');
  });
  it("does not double-escape differently and handles non-strings", () => {
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
    expect(escapeHtml(42)).toBe("42");
    expect(escapeHtml(null)).toBe("");
    expect(escapeHtml(undefined)).toBe("");
  });
  it("replaces control characters HTML does not allow", () => {
    expect(escapeHtml("a\u0000b\u001bc\td\ne")).toBe("a\ufffdb\ufffdc\td\ne");
  });
});

describe("renderHtml", () => {
  const report = fixtureReport();
  const html = renderHtml(report);

  it("never lets attacker-controlled text become markup", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("Owner==HYPERLINK(&quot;http://x&quot;)");
    expect(html).toContain("Bucket policy &quot;Principal&quot; is &quot;*&quot;, expected an account ARN");
  });

  it("escapes tag keys and values used next to attributes", () => {
    const findings = fixtureFindings();
    findings[1]!.tags = { '"><img src=x onerror=alert(1)>': "<b>v</b>" };
    const out = renderHtml(fixtureReport(findings));
    expect(out).not.toContain("<img");
    expect(out).not.toContain("<b>v</b>");
    expect(out).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;=&lt;b&gt;v&lt;/b&gt;");
  });

  it("is one self-contained, script-free document", () => {
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain("Content-Security-Policy");
    expect(html).not.toMatch(/\s(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toMatch(/<link\b/i);
  });

  it("has one accessible SVG per chart", () => {
    expect(count(html, "<svg")).toBe(2);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g)!;
    for (const svg of svgs) {
      expect(svg).toMatch(/role="img"/);
      expect(svg).toMatch(/<title id="[^"]+">/);
    }
  });

  it("lists the services judged, worst score first, with passed and failed findings", () => {
    const section = html.slice(
      html.indexOf('id="services"'),
      html.indexOf("</section>", html.indexOf('id="services"')),
    );
    // fixture: ec2 0 (0 passed, 1 failed), s3 50 (1 passed, 1 failed)
    expect(section).toContain("By service");
    expect(section.indexOf("<code>ec2</code>")).toBeGreaterThan(0);
    expect(section.indexOf("<code>ec2</code>")).toBeLessThan(section.indexOf("<code>s3</code>"));
    expect(section).toMatch(
      /<code>s3<\/code><\/th><td class="n">50<\/td><td class="n">1<\/td><td class="n">1<\/td>/,
    );
  });

  it("shows each framework id and its score", () => {
    const svg = html.match(/<svg[\s\S]*?<\/svg>/)![0];
    for (const [id, label] of [
      ["cis-aws-3.0", "71.4%"],
      ["pci-dss-4.0", "50%"],
    ]) {
      expect(svg).toContain(id);
      expect(svg).toContain(label);
      expect(html).toContain(`<code>${id}</code>`);
    }
  });

  it("shows next to each score how many of the framework's controls are automated", () => {
    const svg = html.match(/<svg[\s\S]*?<\/svg>/)![0];
    expect(svg).toContain("cis-aws-3.0<tspan");
    expect(svg).toContain("56 of 62 controls automated");
    expect(svg).toContain("2 of 5 controls automated");
    expect(svg).toContain("cis-aws-3.0: 71.4% (56 of 62 controls automated)");
    const row = html.match(/<tr><th scope="row"><code>pci-dss-4\.0<\/code>[\s\S]*?<\/tr>/)![0];
    expect(row).toMatch(/<td class="n">50%<\/td><td class="n">2 of 5<\/td>/);
    expect(html).toContain('<th scope="col" class="n">Automated controls</th>');
  });

  it("counts controls not evaluated or without resources from the control results, not the stored score", () => {
    const r = fixtureReport();
    r.posture.controls.push({
      framework: "cis-aws-3.0",
      controlId: "2.4.1",
      title: "EFS file systems are encrypted",
      status: "NO_RESOURCES",
      checks: ["efs_encryption_at_rest_enabled"],
      passed: 0,
      failed: 0,
      errors: 0,
    });
    const row = renderHtml(r).match(/<tr><th scope="row"><code>cis-aws-3\.0<\/code>[\s\S]*?<\/tr>/)![0];
    // score, automated, passed, failed, manual, not evaluated (the 3.6 ERROR), no resources (2.4.1)
    expect(row).toMatch(
      /71\.4%<\/td><td class="n">56 of 62<\/td><td class="n">40<\/td><td class="n">16<\/td><td class="n">6<\/td><td class="n">1<\/td><td class="n">1<\/td><\/tr>$/,
    );
  });

  it("shows no automation figures for a framework the report has no summary of", () => {
    const older = renderHtml({ ...report, scan: { ...report.scan, frameworks: undefined } });
    expect(older).not.toContain("controls automated");
    expect(older).toContain("<code>cis-aws-3.0</code>");
  });

  it("summarises, lists coverage gaps, top failing controls and the LLM mode", () => {
    expect(html).toMatch(/<span class="num">42<\/span><span class="cap">resources evaluated<\/span>/);
    expect(html).toMatch(/<span class="num">2<\/span><span class="cap">failing findings<\/span>/);
    expect(html).toContain('id="coverage-gaps"');
    expect(html).toContain("rds:DescribeDBInstances was denied");
    // critical control before high control (topFailingControls ordering)
    expect(html.indexOf(">2.1.4<")).toBeLessThan(html.indexOf(">1.3.1<"));
    expect(html).toContain("explanations: offline templates (no model)");
    expect(html).toMatch(/<th scope="col">/);
    expect(html).toMatch(/<th scope="row">/);
  });

  it("orders failing findings first, marks suppressed ones, and never embeds passed evidence", () => {
    const findingsSection = html.slice(html.indexOf('id="findings"'));
    const pos = (s: string) => findingsSection.indexOf(s);
    expect(pos("sev-critical")).toBeLessThan(pos("sev-high"));
    expect(pos("sev-high")).toBeLessThan(pos("Accepted risk, ticket SEC-12"));
    expect(pos("Accepted risk, ticket SEC-12")).toBeLessThan(pos("kms:GetKeyRotationStatus"));
    expect(findingsSection).toContain('<span class="sup">suppressed</span>');
    expect(findingsSection).toContain("Passed findings (1)");
    expect(html).not.toContain(PASS_EVIDENCE_MARKER);
    expect(html).toContain("policy.Statement[0].Principal");
  });

  it("caps the findings table and stays a reasonable size for 10k findings", () => {
    const big = renderHtml(fixtureReport(manyFailing(10_000)));
    const failing = 8_000;
    expect(big).toContain(
      `Showing the first 2,000 of ${failing.toLocaleString("en-US")} findings that did not pass`,
    );
    const findingsTable = big.slice(big.indexOf('id="findings"'), big.indexOf("Passed findings"));
    expect(count(findingsTable, /<tr[ >]/g)).toBe(2000 + 1); // + header row
    expect(big.length).toBeLessThan(6_000_000);
  });

  it("still renders both charts with no findings and no scores", () => {
    const empty = fixtureReport([]);
    empty.scan.scores = {};
    empty.scan.coverageGaps = [];
    const out = renderHtml(empty);
    expect(count(out, "<svg")).toBe(2);
    expect(out).toContain("Every evaluated check passed.");
  });
});
