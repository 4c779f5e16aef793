/**
 * Core domain shapes shared by discovery, the engine, the store and the reports.
 * The inventory record follows AWS Config's ConfigurationItem so that live discovery,
 * a Config snapshot file and a saved inventory all feed one engine.
 */

export const SEVERITIES = ["critical", "high", "medium", "low", "informational"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse; used for sorting and for `--fail-on`. */
export const SEVERITY_RANK = Object.fromEntries(
  SEVERITIES.map((s, i) => [s, SEVERITIES.length - 1 - i]),
) as Record<Severity, number>;

export const FINDING_STATUSES = ["PASS", "FAIL", "MANUAL", "ERROR"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

export interface ConfigurationItem {
  /** e.g. `AWS::S3::Bucket`; account-level settings use `AWS::<Service>::Account...` types (see docs/inventory.md). */
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  arn: string;
  /** `global` for global services (IAM, S3 account settings) — AWS Config itself uses `global` too. */
  awsRegion: string;
  accountId: string;
  /** The describe shape of the resource, keys in lowerCamelCase (as AWS Config records them). */
  configuration: Record<string, unknown>;
  /** Results of the extra per-resource calls, under named keys (see docs/inventory.md). */
  supplementaryConfiguration: Record<string, unknown>;
  tags: Record<string, string>;
  /** ISO-8601 time the item was captured. */
  configurationItemCaptureTime: string;
  /** sha256 over the canonical JSON of everything above except the capture time and the hash itself. */
  contentHash?: string;
}

export interface CoverageGap {
  service: string;
  region: string;
  /** `AccessDenied`, `OptInRequired`, `Throttling`, ... — short error code */
  code?: string;
  error: string;
}

export interface Inventory {
  accountIds: string[];
  regions: string[];
  items: ConfigurationItem[];
  coverageGaps: CoverageGap[];
  capturedAt: string;
}

export interface FrameworkRef {
  framework: string;
  controlId: string;
}

export interface Finding {
  /** Stable across scans: `${accountId}/${region}/${checkId}/${resourceId}` */
  id: string;
  checkId: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  /** Which field had which value, and what was expected — for PASS too. */
  reason: string;
  resourceType: string;
  resourceId: string;
  resourceArn: string;
  resourceName: string;
  region: string;
  accountId: string;
  service: string;
  tags: Record<string, string>;
  frameworks: FrameworkRef[];
  suppressed: boolean;
  suppression?: { id: string; reason: string; owner: string; expiresAt?: string | null };
  /** The configuration values that decided the verdict (evidence), keyed by the expression that read them. */
  evidence?: Record<string, unknown>;
  resourceContentHash?: string;
  /** Why it matters and how to fix it: from the analysis model with citations, or from templates offline. */
  explanation?: Explanation;
  /** For MANUAL findings: the fast model's triage, advisory only. */
  assessment?: { verdict: "fine" | "needs_analysis" | "not_applicable"; note: string; mode: string };
}

export interface Citation {
  controlId: string;
  passageId: string;
  framework?: string;
  source?: string;
}

export interface Explanation {
  /** `offline` (templates), or the model mode that wrote it. */
  mode: string;
  model?: string;
  rationale: string;
  businessImpact: string;
  fixSteps: string[];
  citations: Citation[];
}

/** Time, passed in so tests can fix it. */
export type Clock = () => Date;
