/**
 * `--format csv`: RFC 4180 — CRLF line ends, a header row, one row per finding, fields quoted when they
 * hold a comma, a double quote, CR or LF (quotes doubled inside). csv-stringify does the quoting; the
 * formula guard below is ours.
 *
 * Resource names, tags and reasons come from the scanned account and are attacker-controlled, so every
 * field that a spreadsheet would read as a formula (first character `=`, `+`, `-`, `@`, tab or CR) gets a
 * leading `'` — the OWASP "CSV injection" mitigation.
 */
import { stringify } from "csv-stringify/sync";
import type { Finding } from "../domain/types.ts";
import type { ScanReport } from "./model.ts";
import { frameworkRefsText } from "./util.ts";

export const CSV_COLUMNS = [
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
  // Additions beyond the brief's list, kept last so positional readers of the first 15 columns keep working.
  "suppressionReason",
  "tags",
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes `'` to a value that a spreadsheet would evaluate as a formula. */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** RFC 4180 with CRLF record ends; csv-stringify quotes only fields holding the whole CRLF, so a lone CR or LF is matched too. */
const RFC_4180 = { record_delimiter: "windows", eof: true, quoted_match: /[\r\n]/ } as const;

/** Quotes a field when RFC 4180 requires it. */
export function quoteCsvField(value: string): string {
  return stringify([[value]], { ...RFC_4180, eof: false });
}

/** One field, neutralised then quoted. */
export function csvField(value: string): string {
  return quoteCsvField(neutraliseFormula(value));
}

function cells(f: Finding): Record<CsvColumn, string> {
  return {
    id: f.id,
    accountId: f.accountId,
    region: f.region,
    service: f.service ?? "",
    checkId: f.checkId,
    title: f.title,
    severity: f.severity,
    status: f.status,
    suppressed: f.suppressed ? "true" : "false",
    resourceType: f.resourceType,
    resourceId: f.resourceId,
    resourceArn: f.resourceArn,
    resourceName: f.resourceName,
    reason: f.reason,
    frameworks: frameworkRefsText(f.frameworks ?? []),
    suppressionReason: f.suppressed ? (f.suppression?.reason ?? "") : "",
    tags: Object.keys(f.tags ?? {})
      .sort()
      .map((k) => `${k}=${f.tags[k]}`)
      .join(";"),
  };
}

/** The findings as CSV (header + one CRLF-terminated row per finding). */
export function renderCsv(report: ScanReport): string {
  return [...csvChunks(report)].join("");
}

/** Rows per streamed CSV piece. */
const CSV_BATCH_ROWS = 500;

/** The same text as `renderCsv`, a batch of rows at a time, so any number of findings can be written. */
export function* csvChunks(report: ScanReport): Generator<string> {
  yield stringify([[...CSV_COLUMNS]], RFC_4180);
  for (let start = 0; start < report.findings.length; start += CSV_BATCH_ROWS) {
    const rows = report.findings.slice(start, start + CSV_BATCH_ROWS).map((f) => {
      const row = cells(f);
      return CSV_COLUMNS.map((c) => neutraliseFormula(row[c]));
    });
    yield stringify(rows, RFC_4180);
  }
}
