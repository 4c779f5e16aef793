import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Command, Option } from "commander";
import type { App } from "../../app.ts";
import { atLeastAsSevere } from "../../domain/order.ts";
import { DEFAULT_ORGANIZATION_ROLE, type OrganizationScope } from "../../domain/organization.ts";
import type { InventorySource } from "../../domain/scan.ts";
import { SEVERITIES, type Severity } from "../../domain/types.ts";
import { UsageError } from "../../errors.ts";
import { buildReport } from "../../report/build.ts";
import { renderReport, reportChunks } from "../../report/index.ts";
import { REPORT_FORMATS, type ReportFormat, type ScanReport } from "../../report/model.ts";
import { resumeScan, startScan } from "../../services/scan-service.ts";
import { choiceOption } from "../choices.ts";
import { type GlobalOptions, withApp } from "../context.ts";
import { emit, emitChunks, type Io, useColor } from "../output.ts";
import { createProgress } from "../progress.ts";

/** `--format`, one of the report formats (checked while parsing); see {@link parseFormat} for the default. */
export function formatOption(): Option {
  return choiceOption(
    "--format <format>",
    "output format (default: table on a terminal, json otherwise)",
    REPORT_FORMATS,
    (value) => `--format ${value} is not supported; use one of ${REPORT_FORMATS.join(", ")}`,
  );
}

/** `--fail-on`, a severity in any case (checked while parsing). */
export function failOnOption(description: string): Option {
  return choiceOption(
    "--fail-on <severity>",
    description,
    SEVERITIES,
    (value) => `--fail-on ${value} is not a severity; use one of ${SEVERITIES.join(", ")}`,
    (value) => value.toLowerCase(),
  );
}

/** The parsed `--format`, or the default: a table on a terminal, JSON for pipes. */
export function parseFormat(value: ReportFormat | undefined, io: Io): ReportFormat {
  return value ?? (io.stdout.isTTY ? "table" : "json");
}

/** The parsed `--fail-on` (already a severity). */
export function parseSeverity(value: Severity | undefined): Severity | undefined {
  return value;
}

export function parseList(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length > 0 ? list : undefined;
}

function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...(parseList(value) ?? [])];
}

const ACCOUNT_ID = /^\d{12}$/;
const OU_ID = /^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/;

/** `--organization` and its options, checked; undefined without `--organization`. */
function organizationScope(opts: ScanOptions): OrganizationScope | undefined {
  if (!opts.organization) {
    if (opts.roleName || opts.ou || opts.excludeAccount) {
      throw new UsageError(
        "--role-name, --ou and --exclude-account apply to --organization; add --organization",
      );
    }
    return undefined;
  }
  const badOu = opts.ou?.find((id) => !OU_ID.test(id));
  if (badOu) throw new UsageError(`--ou ${badOu} is not an OU id (ou-abcd-12345678) or a root id (r-abcd)`);
  const badAccount = opts.excludeAccount?.find((id) => !ACCOUNT_ID.test(id));
  if (badAccount) throw new UsageError(`--exclude-account ${badAccount} is not a 12-digit account id`);
  if (opts.roleName !== undefined && !ROLE_NAME.test(opts.roleName)) {
    throw new UsageError(
      `--role-name ${opts.roleName} is not an IAM role name (letters, digits and +=,.@_-, a path allowed)`,
    );
  }
  return {
    ...(opts.roleName ? { roleName: opts.roleName } : {}),
    ...(opts.ou?.length ? { ous: opts.ou } : {}),
    ...(opts.excludeAccount?.length ? { excludeAccounts: opts.excludeAccount } : {}),
  };
}

/** A role name, with an optional path (`team/Scanner`), as IAM allows in a role ARN. */
const ROLE_NAME = /^[\w+=,.@/-]{1,512}$/;

/** Exit code 1 when a failing, unsuppressed finding is at or above the threshold. */
export function failOnExitCode(report: ScanReport, threshold: Severity | undefined): number {
  if (!threshold) return 0;
  const failing = report.findings.some(
    (f) => f.status === "FAIL" && !f.suppressed && atLeastAsSevere(f.severity, threshold),
  );
  return failing ? 1 : 0;
}

export async function renderAndEmit(
  app: App,
  io: Io,
  scanId: string,
  format: ReportFormat,
  output: string | undefined,
): Promise<ScanReport> {
  const report = await buildReport(app.store, await app.catalog(), scanId);
  const chunks = reportChunks(report, format, { color: !output && useColor(io), width: io.stdout.columns });
  await emitChunks(io, chunks, output);
  return report;
}

/** Keeps an HTML copy of every CLI scan under ENFORCEAI_HOME/reports. */
export async function writeHtmlCopy(app: App, io: Io, report: ScanReport): Promise<string> {
  const dir = path.join(app.config.home, "reports");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${report.scan.id}.html`);
  await emit(
    { ...io, stderr: { write: () => true } as unknown as Io["stderr"] },
    renderReport(report, "html", { color: false }),
    file,
  );
  return file;
}

interface ScanOptions {
  organization?: boolean;
  roleName?: string;
  ou?: string[];
  excludeAccount?: string[];
  regions?: string;
  inventory?: string;
  frameworks?: string;
  roleArn?: string[];
  externalId?: string;
  format?: ReportFormat;
  output?: string;
  failOn?: Severity;
  resume?: string;
  autoRemediate?: boolean;
  dryRun?: boolean;
  saveInventory?: string;
}

export function registerScan(
  program: Command,
  io: Io,
  globals: () => GlobalOptions,
  setExit: (code: number) => void,
) {
  program
    .command("scan")
    .description(
      "scan a live AWS account (default credential chain) or an inventory file against the frameworks",
    )
    .option("--regions <list>", "comma-separated regions (default: every enabled region)")
    .option(
      "--inventory <file>",
      "evaluate an AWS Config snapshot or a saved inventory instead of a live account",
    )
    .option(
      "--frameworks <ids>",
      "comma-separated framework ids (default: all; see `enforceai frameworks list`)",
    )
    .option(
      "--role-arn <arn>",
      "assume this role to scan its account (repeat for several accounts)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option("--external-id <id>", "external id the role's trust policy requires")
    .option(
      "--organization",
      "scan every active account of the AWS Organization (run from the management or a delegated administrator account)",
    )
    .option(
      "--role-name <name>",
      `with --organization: the role to assume in each member account (default ${DEFAULT_ORGANIZATION_ROLE})`,
    )
    .option(
      "--ou <id>",
      "with --organization: only the accounts under this OU, at any depth (repeat, or comma-separated)",
      collectList,
    )
    .option(
      "--exclude-account <id>",
      "with --organization: leave this account out (repeat, or comma-separated)",
      collectList,
    )
    .addOption(formatOption())
    .option("--output <file>", "write the report to a file instead of stdout")
    .option(
      "--save-inventory <file>",
      "also write the discovered inventory to a file, for offline scans later",
    )
    .addOption(failOnOption("exit 1 when a failing finding is at or above this severity"))
    .option(
      "--resume <scanId>",
      "continue an interrupted scan from its last checkpoint, or one awaiting approval",
    )
    .option(
      "--auto-remediate",
      "propose fixes for failing findings; the scan waits for people to approve them, then applies and verifies them",
    )
    .option(
      "--dry-run",
      "with --auto-remediate: print the exact API calls of approved fixes and change nothing",
    )
    .action(async (opts: ScanOptions) => {
      const format = parseFormat(opts.format, io);
      const threshold = parseSeverity(opts.failOn);
      if (opts.resume && (opts.inventory || opts.regions || opts.roleArn)) {
        throw new UsageError(
          "--resume continues a scan as it was started; drop --inventory, --regions and --role-arn",
        );
      }
      if (opts.dryRun && !opts.autoRemediate && !opts.resume) {
        throw new UsageError("--dry-run applies to --auto-remediate; add --auto-remediate or drop --dry-run");
      }
      const organization = organizationScope(opts);
      if (organization && (opts.resume || opts.inventory || opts.roleArn || opts.autoRemediate)) {
        throw new UsageError(
          "--organization finds the accounts itself; drop --resume, --inventory, --role-arn and --auto-remediate",
        );
      }
      if (opts.inventory && (opts.regions || opts.roleArn)) {
        throw new UsageError("--inventory reads a file; --regions and --role-arn apply to live scans only");
      }
      const source: InventorySource = opts.inventory
        ? { kind: "inventory", file: path.resolve(opts.inventory) }
        : {
            kind: "live",
            regions: parseList(opts.regions),
            roleArns: opts.roleArn,
            externalId: opts.externalId,
            ...(organization ? { organization } : {}),
            endpoint: io.env.AWS_ENDPOINT_URL || undefined,
          };
      await withApp(io, globals(), async (app) => {
        const progress = createProgress(io);
        let scanId: string;
        try {
          const scan = opts.resume
            ? await resumeScan(app, opts.resume, progress.onEvent)
            : await startScan(app, {
                source,
                frameworks: parseList(opts.frameworks),
                requestedBy: app.config.user,
                autoRemediate: opts.autoRemediate,
                dryRun: opts.dryRun,
                saveInventory: opts.saveInventory ? path.resolve(opts.saveInventory) : undefined,
                onProgress: progress.onEvent,
              });
          scanId = scan.id;
          if (scan.status === "awaiting_approval") {
            io.stderr.write(
              `scan ${scan.id} is waiting for approvals: see \`enforceai approvals list --status pending\`; ` +
                `after deciding, continue with \`enforceai scan --resume ${scan.id}\`\n`,
            );
          }
        } finally {
          progress.stop();
        }
        const report = await renderAndEmit(app, io, scanId, format, opts.output);
        for (const change of report.scan.changesInProgress ?? []) {
          const leaseEnds = new Date(
            new Date(change.startedAt).getTime() + app.config.remediation.leaseSeconds * 1000,
          );
          io.stderr.write(
            `approved change ${change.approvalId} (${change.actionId}) is still in progress since ${change.startedAt}; ` +
              `if the process making it stopped, run \`enforceai approvals execute ${change.approvalId}\` after ` +
              `${leaseEnds.toISOString()} (the remediation lease) to take it over\n`,
          );
        }
        setExit(failOnExitCode(report, threshold));
      });
    });
}
