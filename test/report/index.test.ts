import { describe, expect, it } from "vitest";
import {
  isReportFormat,
  REPORT_FORMATS,
  renderCsv,
  renderHtml,
  renderJson,
  renderOcsf,
  renderReport,
  renderTable,
} from "../../src/report/index.ts";
import { fixtureReport } from "./fixture.ts";

describe("renderReport", () => {
  const report = fixtureReport();

  it("dispatches every contract format to its renderer", () => {
    expect([...REPORT_FORMATS]).toEqual(["table", "json", "csv", "ocsf", "html"]);
    expect(renderReport(report, "json")).toBe(renderJson(report));
    expect(renderReport(report, "csv")).toBe(renderCsv(report));
    expect(renderReport(report, "ocsf")).toBe(renderOcsf(report));
    expect(renderReport(report, "html")).toBe(renderHtml(report));
    expect(renderReport(report, "table", { color: true, width: 80 })).toBe(
      renderTable(report, { color: true, width: 80 }),
    );
    expect(renderReport(report, "table")).not.toContain("\u001b");
  });

  it("recognises format names", () => {
    expect(isReportFormat("ocsf")).toBe(true);
    expect(isReportFormat("xml")).toBe(false);
  });

  it("is pure: rendering does not change the report", () => {
    const before = JSON.stringify(report);
    for (const f of REPORT_FORMATS) renderReport(report, f, { color: true, width: 40 });
    expect(JSON.stringify(report)).toBe(before);
  });
});
