/**
 * One entry point for every `--format`: each renderer is a pure function of the same ScanReport model.
 */
import { renderCsv } from "./csv.ts";
import { renderHtml } from "./html.ts";
import { renderJson } from "./json.ts";
import { REPORT_FORMATS, type ReportFormat, type ScanReport } from "./model.ts";
import { renderOcsf } from "./ocsf.ts";
import { renderTable } from "./table.ts";

export { renderCsv } from "./csv.ts";
export { escapeHtml, renderHtml } from "./html.ts";
export { renderJson } from "./json.ts";
export { REPORT_FORMATS, type ReportFormat, type ScanReport } from "./model.ts";
export { renderOcsf } from "./ocsf.ts";
export { renderTable } from "./table.ts";

export interface RenderOptions {
  /** ANSI colour in the table format (the caller applies TTY / NO_COLOR); ignored by the other formats. */
  color?: boolean;
  /** Terminal width for the table format. */
  width?: number;
  /** List passed findings in the table format. */
  showPassed?: boolean;
}

export function isReportFormat(value: string): value is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(value);
}

/** Renders the report in one of the contract's formats. */
export function renderReport(report: ScanReport, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case "table":
      return renderTable(report, {
        color: options.color ?? false,
        width: options.width,
        showPassed: options.showPassed,
      });
    case "json":
      return renderJson(report);
    case "csv":
      return renderCsv(report);
    case "ocsf":
      return renderOcsf(report);
    case "html":
      return renderHtml(report);
    default: {
      const never: never = format;
      throw new Error(`unknown report format "${String(never)}"; use one of ${REPORT_FORMATS.join(", ")}`);
    }
  }
}
