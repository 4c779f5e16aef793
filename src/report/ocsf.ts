/**
 * `--format ocsf`: a JSON array of OCSF 1.3.0 Compliance Finding events (class 2003, category 2 Findings,
 * activity 1 Create, type_uid 200301), one per finding.
 *
 * Field choices, checked against the OCSF 1.3.0 schema:
 * - `compliance` (required): `standards` (framework ids), `control` (first control id), `requirements`
 *   (`framework:control`), `status`/`status_id` Pass 1 · Warning 2 (ERROR: no result for lack of
 *   information) · Fail 3 · Other 99 (`Manual`), `status_code` (our PASS/FAIL/MANUAL/ERROR), `status_detail`.
 * - Event `status_id`: 1 New, or 3 Suppressed when the finding is suppressed.
 * - `resources[]` are `resource_details`. In 1.3.0 that object has no `account` and no key/value `tags`
 *   (only `labels: string[]`), so the account goes in `owner.account` and in `cloud.account`, and tags
 *   become `labels` as `key=value`.
 * - Things OCSF has no attribute for (suppression details, service, evidence) go under `unmapped`.
 * - `remediation` is omitted: the finding model carries none.
 */
import type { Finding, Severity } from "../domain/types.ts";
import type { ScanReport } from "./model.ts";
import { ENFORCEAI_VERSION, jsonArrayChunks, sortedTags } from "./util.ts";

export const OCSF_VERSION = "1.3.0";
export const OCSF_CLASS_UID = 2003;
export const OCSF_CATEGORY_UID = 2;
export const OCSF_ACTIVITY_CREATE = 1;
export const OCSF_TYPE_UID = OCSF_CLASS_UID * 100 + OCSF_ACTIVITY_CREATE; // 200301

export const OCSF_SEVERITY: Record<Severity, { id: number; caption: string }> = {
  informational: { id: 1, caption: "Informational" },
  low: { id: 2, caption: "Low" },
  medium: { id: 3, caption: "Medium" },
  high: { id: 4, caption: "High" },
  critical: { id: 5, caption: "Critical" },
};

const COMPLIANCE_STATUS: Record<Finding["status"], { id: number; caption: string }> = {
  PASS: { id: 1, caption: "Pass" },
  ERROR: { id: 2, caption: "Warning" },
  FAIL: { id: 3, caption: "Fail" },
  MANUAL: { id: 99, caption: "Manual" },
};

export interface OcsfOptions {
  /** `metadata.product.version`; defaults to the package version. */
  productVersion?: string;
}

/** AWS partition from an ARN (`arn:aws-cn:...` → `aws-cn`), `aws` when it cannot be read. */
function partitionOf(arn: string): string {
  const m = /^arn:(aws[a-z-]*):/.exec(arn);
  return m?.[1] ?? "aws";
}

function epochMs(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function event(
  f: Finding,
  report: ScanReport,
  time: number,
  productVersion: string,
): Record<string, unknown> {
  const severity = OCSF_SEVERITY[f.severity] ?? { id: 0, caption: "Unknown" };
  const compliance = COMPLIANCE_STATUS[f.status];
  const refs = f.frameworks ?? [];
  const standards = [...new Set(refs.map((r) => r.framework))];
  const tags = sortedTags(f.tags);
  const account = { uid: f.accountId, type: "AWS Account", type_id: 10 };

  const resource: Record<string, unknown> = {
    uid: f.resourceArn || f.resourceId,
    name: f.resourceName || f.resourceId,
    type: f.resourceType,
    region: f.region,
    cloud_partition: partitionOf(f.resourceArn),
    owner: { account },
  };
  const labels = Object.entries(tags).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) resource.labels = labels;

  const complianceObj: Record<string, unknown> = { standards };
  if (refs[0]) complianceObj.control = refs[0].controlId;
  if (refs.length > 0) complianceObj.requirements = refs.map((r) => `${r.framework}:${r.controlId}`);
  complianceObj.status = compliance.caption;
  complianceObj.status_id = compliance.id;
  complianceObj.status_code = f.status;
  complianceObj.status_detail = f.reason;

  const unmapped: Record<string, unknown> = { scan_id: report.scan.id, service: f.service };
  if (f.suppression) unmapped.suppression = f.suppression;
  if (f.evidence && f.status !== "PASS") unmapped.evidence = f.evidence;

  return {
    activity_id: OCSF_ACTIVITY_CREATE,
    activity_name: "Create",
    category_uid: OCSF_CATEGORY_UID,
    category_name: "Findings",
    class_uid: OCSF_CLASS_UID,
    class_name: "Compliance Finding",
    type_uid: OCSF_TYPE_UID,
    type_name: "Compliance Finding: Create",
    time,
    severity_id: severity.id,
    severity: severity.caption,
    status_id: f.suppressed ? 3 : 1,
    status: f.suppressed ? "Suppressed" : "New",
    message: `${f.title}: ${f.reason}`,
    metadata: {
      version: OCSF_VERSION,
      profiles: ["cloud"],
      product: { name: "EnforceAI", vendor_name: "EnforceAI", version: productVersion },
      correlation_uid: report.scan.id,
    },
    finding_info: {
      uid: f.id,
      title: f.title,
      desc: f.reason,
      types: [f.checkId],
      created_time: time,
    },
    compliance: complianceObj,
    resources: [resource],
    cloud: { provider: "AWS", region: f.region, account },
    unmapped,
  };
}

/** The findings as a pretty-printed JSON array of OCSF Compliance Finding events. */
export function renderOcsf(report: ScanReport, options: OcsfOptions = {}): string {
  return [...ocsfChunks(report, options)].join("");
}

/** The same text as `renderOcsf`, in pieces a writer can stream whatever the number of findings. */
export function* ocsfChunks(report: ScanReport, options: OcsfOptions = {}): Generator<string> {
  const time = epochMs(report.scan.completedAt) ?? epochMs(report.scan.startedAt) ?? 0;
  const version = options.productVersion ?? ENFORCEAI_VERSION;
  yield* jsonArrayChunks(report.findings, (f) => event(f, report, time, version), 0);
  yield "\n";
}
