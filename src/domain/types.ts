/**
 * Core domain shapes shared by discovery, the engine, the store and the reports.
 * The inventory record follows AWS Config's ConfigurationItem so that live discovery,
 * a Config snapshot file and a saved inventory all feed one engine.
 *
 * Shapes the API shows are zod schemas here, their types `z.infer` of them: the one definition, which the API's
 * schemas (src/api/schemas.ts) reuse. A schema with `.meta({ id })` is a named component of the API's OpenAPI
 * document, so every shape that contains it refers to it by that name.
 */
import { z } from "zod";
import type { OrganizationMap } from "./organization.ts";

export const SEVERITIES = ["critical", "high", "medium", "low", "informational"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severitySchema = z.enum(SEVERITIES).meta({ id: "Severity" });

/** Higher is worse; used for sorting and for `--fail-on`. */
export const SEVERITY_RANK = Object.fromEntries(
  SEVERITIES.map((s, i) => [s, SEVERITIES.length - 1 - i]),
) as Record<Severity, number>;

export const FINDING_STATUSES = ["PASS", "FAIL", "MANUAL", "ERROR"] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const findingStatusSchema = z.enum(FINDING_STATUSES).meta({ id: "FindingStatus" });

export const configurationItemSchema = z
  .object({
    /** e.g. `AWS::S3::Bucket`; account-level settings use `AWS::<Service>::Account...` types (see docs/inventory.md). */
    resourceType: z.string(),
    resourceId: z.string(),
    resourceName: z.string().optional(),
    arn: z.string(),
    /** `global` for global services (IAM, S3 account settings) — AWS Config itself uses `global` too. */
    awsRegion: z.string(),
    accountId: z.string(),
    /** The describe shape of the resource, keys in lowerCamelCase (as AWS Config records them). */
    configuration: z.record(z.string(), z.unknown()),
    /** Results of the extra per-resource calls, under named keys (see docs/inventory.md). */
    supplementaryConfiguration: z.record(z.string(), z.unknown()),
    tags: z.record(z.string(), z.string()),
    /** ISO-8601 time the item was captured. */
    configurationItemCaptureTime: z.string(),
    /** sha256 over the canonical JSON of everything above except the capture time and the hash itself. */
    contentHash: z.string().optional(),
  })
  .meta({ id: "ConfigurationItem", description: "an AWS Config ConfigurationItem" });
export type ConfigurationItem = z.infer<typeof configurationItemSchema>;

/** A service and region discovery could not read (the scan goes on without it). */
export const coverageGapSchema = z
  .object({
    service: z.string(),
    region: z.string(),
    /** `AccessDenied`, `OptInRequired`, `Throttling`, ... — short error code */
    code: z.string().optional(),
    error: z.string(),
  })
  .meta({ id: "CoverageGap" });
export type CoverageGap = z.infer<typeof coverageGapSchema>;

export interface Inventory {
  accountIds: string[];
  regions: string[];
  items: ConfigurationItem[];
  coverageGaps: CoverageGap[];
  capturedAt: string;
  /** Set by an organisation scan: the accounts, their OUs and what the scan did with each. */
  organization?: OrganizationMap;
}

export const frameworkRefSchema = z
  .object({ framework: z.string(), controlId: z.string() })
  .meta({ id: "FrameworkRef" });
export type FrameworkRef = z.infer<typeof frameworkRefSchema>;

/** A passage of a framework document that an explanation rests on. */
export const citationSchema = z
  .object({
    controlId: z.string(),
    passageId: z.string(),
    framework: z.string().optional(),
    source: z.string().optional(),
  })
  .meta({ id: "Citation" });
export type Citation = z.infer<typeof citationSchema>;

export const explanationSchema = z.object({
  /** `offline` (templates), or the model mode that wrote it. */
  mode: z.string(),
  model: z.string().optional(),
  rationale: z.string(),
  businessImpact: z.string(),
  fixSteps: z.array(z.string()),
  citations: z.array(citationSchema),
});
export type Explanation = z.infer<typeof explanationSchema>;

/** The suppression that covers a finding, as the finding carries it. */
export const findingSuppressionSchema = z.object({
  id: z.string(),
  reason: z.string(),
  owner: z.string(),
  expiresAt: z.string().nullable().optional(),
});

/** For MANUAL findings: the fast model's triage, advisory only. */
export const assessmentSchema = z.object({
  verdict: z.enum(["fine", "needs_analysis", "not_applicable"]),
  note: z.string(),
  mode: z.string(),
});

export const findingSchema = z.object({
  /** Stable across scans: `${accountId}/${region}/${checkId}/${resourceId}` */
  id: z.string().describe("stable id: account/region/check/resource"),
  checkId: z.string(),
  title: z.string(),
  severity: severitySchema,
  status: findingStatusSchema,
  /** Which field had which value, and what was expected — for PASS too. */
  reason: z.string(),
  resourceType: z.string(),
  resourceId: z.string(),
  resourceArn: z.string(),
  resourceName: z.string(),
  region: z.string(),
  accountId: z.string(),
  service: z.string(),
  tags: z.record(z.string(), z.string()),
  frameworks: z.array(frameworkRefSchema),
  suppressed: z.boolean(),
  suppression: findingSuppressionSchema.optional().describe("the suppression that covered it in this scan"),
  /** The configuration values that decided the verdict (evidence), keyed by the expression that read them. */
  evidence: z.record(z.string(), z.unknown()).optional(),
  resourceContentHash: z.string().optional(),
  /** Why it matters and how to fix it: from the analysis model with citations, or from templates offline. */
  explanation: explanationSchema.optional(),
  /** For MANUAL findings: the fast model's triage, advisory only. */
  assessment: assessmentSchema.optional(),
});
export type Finding = z.infer<typeof findingSchema>;

/** Time, passed in so tests can fix it. */
export type Clock = () => Date;
