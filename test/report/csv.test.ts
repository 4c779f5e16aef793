import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvField, neutraliseFormula, renderCsv } from "../../src/report/csv.ts";
import { fixtureReport, QUOTED_REASON, XSS_NAME } from "./fixture.ts";

/** A small RFC 4180 parser: quoted fields, doubled quotes, CRLF records, CR/LF inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') {
      if (field !== "") throw new Error(`stray quote at ${i}`);
      quoted = true;
    } else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else if (ch === "\n" || ch === "\r") {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else field += ch;
  }
  if (quoted) throw new Error("unterminated quote");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe("renderCsv", () => {
  const report = fixtureReport();
  const text = renderCsv(report);
  const rows = parseCsv(text);
  const [header, ...body] = rows;
  const records = body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));

  it("has a header row and one CRLF-terminated row per finding", () => {
    expect(header!.slice(0, 15)).toEqual([
      "id",
      "accountId",
      "region",
      "service",
      "checkId",
      "title",
      "severity",
      "status",
      "suppressed",
      "resourceType",
      "resourceId",
      "resourceArn",
      "resourceName",
      "reason",
      "frameworks",
    ]);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(body).toHaveLength(report.findings.length);
    for (const r of body) expect(r).toHaveLength(header!.length);
    expect(text.endsWith("\r\n")).toBe(true);
  });

  it("parses back to the same fields", () => {
    report.findings.forEach((f, i) => {
      const r = records[i]!;
      expect(r.id).toBe(f.id);
      expect(r.accountId).toBe(f.accountId);
      expect(r.region).toBe(f.region);
      expect(r.service).toBe(f.service);
      expect(r.checkId).toBe(f.checkId);
      expect(r.title).toBe(f.title);
      expect(r.severity).toBe(f.severity);
      expect(r.status).toBe(f.status);
      expect(r.suppressed).toBe(String(f.suppressed));
      expect(r.resourceType).toBe(f.resourceType);
      expect(r.resourceId).toBe(f.resourceId);
      expect(r.resourceArn).toBe(f.resourceArn);
      expect(r.reason).toBe(f.reason);
      expect(r.frameworks).toBe(f.frameworks.map((x) => `${x.framework}:${x.controlId}`).join(";"));
      expect(r.resourceName).toBe(/^[=+\-@]/.test(f.resourceName) ? `'${f.resourceName}` : f.resourceName);
    });
  });

  it("quotes commas, quotes and line breaks (RFC 4180)", () => {
    expect(text).toContain(`"${QUOTED_REASON.replace(/"/g, '""')}"`);
    const error = records.find((r) => r.status === "ERROR")!;
    expect(error.reason).toContain("\n");
    expect(records.find((r) => r.severity === "critical")!.resourceName).toBe(XSS_NAME);
    expect(records.find((r) => r.severity === "critical")!.frameworks).toBe(
      "cis-aws-3.0:2.1.4;pci-dss-4.0:1.4.1",
    );
  });

  it("neutralises spreadsheet formulas in every cell", () => {
    for (const r of body) for (const cell of r) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    expect(records.find((r) => r.severity === "high")!.resourceName).toBe("'-2+3");
    expect(records.find((r) => r.severity === "low")!.resourceName).toBe("'+scratch");
    expect(records.find((r) => r.status === "ERROR")!.resourceName).toBe("'@SUM(A1)");
    expect(records.find((r) => r.severity === "critical")!.tags).toBe(
      'Env=prod;Owner==HYPERLINK("http://x")',
    );
    expect(records.find((r) => r.severity === "low")!.suppressionReason).toBe("Accepted risk, ticket SEC-12");
  });

  it("neutraliseFormula / csvField handle each dangerous lead character", () => {
    for (const lead of ["=", "+", "-", "@", "\t", "\r"])
      expect(neutraliseFormula(`${lead}x`)).toBe(`'${lead}x`);
    expect(neutraliseFormula("a=b")).toBe("a=b");
    expect(neutraliseFormula("")).toBe("");
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField("plain")).toBe("plain");
  });

  it("renders only the header when there are no findings", () => {
    expect(parseCsv(renderCsv(fixtureReport([])))).toEqual([[...CSV_COLUMNS]]);
  });
});
