/**
 * One entry point for every `--format`: each renderer is a pure function of the same ScanReport model. The
 * formats whose size grows with the findings (json, csv, ocsf) render in pieces, so a report of any size
 * streams to its file or stdout; html and table list a bounded number of rows and come as one piece.
 */
import { csvChunks } from "./csv.ts";
import { renderHtml } from "./html.ts";
import { jsonChunks } from "./json.ts";
import { REPORT_FORMATS, type ReportFormat, type ScanReport } from "./model.ts";
import { ocsfChunks } from "./ocsf.ts";
import { renderTable } from "./table.ts";

export { csvChunks, renderCsv } from "./csv.ts";
export { escapeHtml, renderHtml } from "./html.ts";
export { jsonChunks, renderJson } from "./json.ts";
export { REPORT_FORMATS, type ReportFormat, type ScanReport } from "./model.ts";
export { ocsfChunks, renderOcsf } from "./ocsf.ts";
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

/** Renders the report in one of the contract's formats, as one string (small reports; tests). */
export function renderReport(report: ScanReport, format: ReportFormat, options: RenderOptions = {}): string {
  return [...reportChunks(report, format, options)].join("");
}

/** Renders the report in one of the contract's formats, in pieces to write one after another. */
export function* reportChunks(
  report: ScanReport,
  format: ReportFormat,
  options: RenderOptions = {},
): Generator<string> {
  switch (format) {
    case "table":
      yield renderTable(report, {
        color: options.color ?? false,
        width: options.width,
        showPassed: options.showPassed,
      });
      return;
    case "json":
      yield* jsonChunks(report);
      return;
    case "csv":
      yield* csvChunks(report);
      return;
    case "ocsf":
      yield* ocsfChunks(report);
      return;
    case "html":
      yield renderHtml(report);
      return;
    default: {
      const never: never = format;
      throw new Error(`unknown report format "${String(never)}"; use one of ${REPORT_FORMATS.join(", ")}`);
    }
  }
}
