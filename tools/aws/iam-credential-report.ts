import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { errorCode } from "./collector.ts";

/** One row of the IAM credential report, columns in camelCase, `N/A`-like cells as null, flags as booleans. */
export type CredentialReportRow = Record<string, string | boolean | null>;

/** The row of the root user is keyed by this name in the report. */
export const ROOT_USER = "<root_account>";

const NOT_APPLICABLE = new Set(["N/A", "no_information", "not_supported"]);

export interface CredentialReportOptions {
  /** How often to ask for the report while IAM is still generating it. */
  attempts?: number;
  /** First wait between attempts; it doubles up to `maxDelayMs` (a report usually takes a few seconds). */
  delayMs?: number;
  maxDelayMs?: number;
}

/**
 * Asks IAM to generate the credential report and reads it once it is ready. IAM hands back a report that is
 * less than four hours old without regenerating it, so repeated scans stay cheap.
 */
export async function readCredentialReport(
  iam: IAMClient,
  { attempts = 20, delayMs = 250, maxDelayMs = 2_000 }: CredentialReportOptions = {},
): Promise<Map<string, CredentialReportRow>> {
  for (let attempt = 1; ; attempt++) {
    const generated = await iam.send(new GenerateCredentialReportCommand({}));
    if (generated.State === "COMPLETE") {
      try {
        const report = await iam.send(new GetCredentialReportCommand({}));
        return parseCredentialReport(new TextDecoder().decode(report.Content ?? new Uint8Array()));
      } catch (error) {
        const stillBeingMade = ["ReportInProgress", "ReportNotPresent", "ReportExpired"].includes(
          errorCode(error),
        );
        if (!stillBeingMade || attempt >= attempts) throw error;
      }
    } else if (attempt >= attempts) {
      throw new Error(
        `the IAM credential report was still ${generated.State ?? "not ready"} after ${attempts} attempts`,
      );
    }
    const wait = Math.min(maxDelayMs, delayMs * 2 ** (attempt - 1));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Parses the report's CSV into rows keyed by user name. */
export function parseCredentialReport(csv: string): Map<string, CredentialReportRow> {
  const [header, ...rows] = parseCsv(csv.trim());
  const rowsByUser = new Map<string, CredentialReportRow>();
  if (!header) return rowsByUser;
  const columns = header.map(snakeToCamel);
  for (const cells of rows) {
    const row: CredentialReportRow = {};
    columns.forEach((column, i) => {
      row[column] = cellValue(cells[i] ?? "");
    });
    if (typeof row.user === "string") rowsByUser.set(row.user, row);
  }
  return rowsByUser;
}

function cellValue(cell: string): string | boolean | null {
  if (NOT_APPLICABLE.has(cell) || cell === "") return null;
  if (cell === "true") return true;
  if (cell === "false") return false;
  return cell;
}

/** `access_key_1_last_used_date` → `accessKey1LastUsedDate` */
function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** RFC 4180 CSV: IAM user names may contain commas, so quoted cells are honoured. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  row.push(cell);
  rows.push(row);
  return rows;
}
