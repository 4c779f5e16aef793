/**
 * The API's request and response shapes, in zod. The same schemas validate requests (400 with field errors),
 * shape responses (a response is parsed through its schema before it is sent) and generate the OpenAPI 3.1
 * document (`/api/v1/openapi.json`). Named schemas (`.meta({ id })`) become `components/schemas` entries.
 */
import { z } from "zod";
import { driftRecordSchema, lifeStatusSchema } from "../domain/changes.ts";
import { organizationRollupSchema } from "../domain/organization-rollup.ts";
import { changeInProgressSchema } from "../domain/remediation.ts";
import { ROLES } from "../domain/roles.ts";
import {
  llmUsageSchema as domainLlmUsageSchema,
  frameworkScoreSchema,
  scanRecordSchema,
  scanStatusSchema,
} from "../domain/scan.ts";
import { suppressionSchema as domainSuppressionSchema } from "../domain/suppression.ts";
import {
  citationSchema,
  configurationItemSchema,
  coverageGapSchema,
  findingSchema as domainFindingSchema,
  FINDING_STATUSES,
  findingStatusSchema,
  findingSuppressionSchema,
  frameworkRefSchema,
  SEVERITIES,
  severitySchema,
} from "../domain/types.ts";
import { checkSchema, conditionSchema } from "../engine/check-schema.ts";

// ---------------------------------------------------------------------------------------------- helpers

/** No control characters: query values and selectors are names, never layout. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

const MAX_PAGE = 500;

/** A query value that may come as `a,b` or repeated (`?x=a&x=b`): normalised to one comma-separated string. */
const joined = (v: unknown) => (Array.isArray(v) ? v.join(",") : v);

/** `?severity=high,critical` → ["high", "critical"], each checked against the allowed values. */
export function csvEnum<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z.preprocess(
    joined,
    z
      .string()
      .describe(`${description}; comma-separated, any of ${values.join(", ")}`)
      .transform((s, ctx) => {
        const parts = s
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
        for (const p of parts) {
          if (!(values as readonly string[]).includes(p)) {
            ctx.addIssue({ code: "custom", message: `"${p}" is not one of ${values.join(", ")}` });
            return z.NEVER;
          }
        }
        return parts as T[number][];
      }),
  );
}

/** `?suppressed=true|false`. */
export const queryBoolean = (description: string) =>
  z
    .enum(["true", "false"])
    .describe(description)
    .transform((v) => v === "true");

/** A free-text query value (no control characters, bounded). */
export const queryText = (description: string, max = 200) =>
  z.string().min(1).max(max).regex(NO_CONTROL, "contains control characters").describe(description);

export const pagingQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50).describe(`page size (1-${MAX_PAGE})`),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe("items to skip"),
};

export const pageMeta = {
  total: z.number().int().min(0).describe("items matching the filters, over all pages"),
  limit: z.number().int(),
  offset: z.number().int(),
};

const isoTime = z.string().describe("ISO-8601 time");
const id = (description: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:@/-]*$/, "letters, digits and . _ : @ / - only")
    .describe(description);

export const idParams = z.object({ id: id("identifier") });

// ---------------------------------------------------------------------------------------------- shared enums

// Severity, FindingStatus and ScanStatus are defined (and named) in src/domain.
export { findingStatusSchema, scanStatusSchema, severitySchema };
export const roleSchema = z.enum(ROLES).meta({ id: "Role" });

// ---------------------------------------------------------------------------------------------- scans

// CoverageGap and FrameworkScore are defined (and named) in src/domain.
export { coverageGapSchema, frameworkScoreSchema };

/** The API shows each usage field as optional: `llm` is `{}` until a scan's model calls are counted. */
export const llmUsageSchema = domainLlmUsageSchema.partial().meta({ id: "LlmUsage" });

/** The scan record without the request options it keeps for resume. */
export const scanSchema = scanRecordSchema
  .omit({ options: true })
  .extend({ llm: llmUsageSchema })
  .meta({ id: "Scan" });

const tally = z.object({ passed: z.number().int(), failed: z.number().int() });

export const postureSummarySchema = z
  .object({
    bySeverity: z.record(z.string(), tally),
    byService: z.record(z.string(), tally.extend({ score: z.number() })),
    totals: z.object({
      findings: z.number().int(),
      passed: z.number().int(),
      failed: z.number().int(),
      errors: z.number().int(),
      suppressed: z.number().int(),
    }),
  })
  .meta({ id: "PostureSummary" });

export const scanDetailSchema = z
  .object({
    scan: scanSchema,
    summary: postureSummarySchema,
    organization: organizationRollupSchema
      .optional()
      .describe("an organisation scan: each account's and each OU's scores, the worst accounts"),
    changesInProgress: z
      .array(changeInProgressSchema)
      .optional()
      .describe(
        "approved changes of this scan whose execution started and has not finished (a process stopped mid-way " +
          "leaves one until the remediation lease passes; `approvals execute` then takes it over)",
      ),
  })
  .meta({ id: "ScanDetail" });

export const scanListSchema = z.object({ items: z.array(scanSchema), ...pageMeta }).meta({ id: "ScanList" });

const accountId = z.string().regex(/^\d{12}$/, "a 12-digit AWS account id");
const region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as us-east-1")
  .describe("AWS region");
const roleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
    "an IAM role ARN: arn:aws:iam::ACCOUNT:role/NAME",
  );

export const startScanSchema = z
  .object({
    demo: z.boolean().optional().describe("scan the bundled sample account"),
    scope: z
      .object({
        regions: z.array(region).min(1).max(40).optional(),
        roleArns: z.array(roleArn).min(1).max(100).optional(),
        externalId: z.string().min(2).max(1224).optional(),
      })
      .strict()
      .optional()
      .describe("a live scan with the server's AWS credentials: regions and the roles to assume"),
    organization: z
      .object({
        roleName: z
          .string()
          .regex(/^[\w+=,.@/-]{1,512}$/, "an IAM role name")
          .optional()
          .describe("the role assumed in each member account (default OrganizationAccountAccessRole)"),
        ous: z
          .array(
            z.string().regex(/^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/, "an OU or root id"),
          )
          .min(1)
          .max(100)
          .optional()
          .describe("only the accounts under these OUs, at any depth"),
        excludeAccounts: z.array(accountId).min(1).max(1000).optional(),
      })
      .strict()
      .optional()
      .describe(
        "every active account of the server's AWS Organization (management or delegated administrator credentials); scope gives regions and externalId",
      ),
    inventory: z
      .unknown()
      .optional()
      .describe("refused: the API does not read inventory files from the server's disk (use the CLI)"),
    frameworks: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(50)
      .optional()
      .describe("framework ids (default: all)"),
    autoRemediate: z.boolean().optional().describe("apply approved remediations during the scan"),
  })
  .strict()
  .meta({ id: "StartScan" });

export const scanEventSchema = z
  .object({
    type: z.enum(["node-start", "node-done", "discovery", "status"]),
    scanId: z.string(),
    node: z.string().optional(),
    service: z.string().optional(),
    region: z.string().optional(),
    state: z.string().optional(),
    resources: z.number().optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
    status: scanStatusSchema.optional(),
    error: z.string().nullable().optional(),
  })
  .meta({ id: "ScanEvent", description: "one server-sent event of a scan's progress (the `data` line)" });

// ---------------------------------------------------------------------------------------------- findings

// FrameworkRef and Citation are defined (and named) in src/domain.
export { citationSchema, frameworkRefSchema };

/** A finding as the store keeps it, plus the suppression state computed when it is read. */
export const findingSchema = domainFindingSchema
  .extend({
    pendingSuppression: findingSuppressionSchema
      .optional()
      .describe(
        "an active suppression made after the scan that covers it (computed when read): it leaves the score from the next scan on",
      ),
  })
  .meta({ id: "Finding" });

export const findingListSchema = z
  .object({ scanId: z.string().nullable(), items: z.array(findingSchema), ...pageMeta })
  .meta({ id: "FindingList" });

export const findingFilterQuery = z
  .object({
    scanId: id("a scan id (default: the latest completed scan)").optional(),
    framework: queryText("framework id, e.g. cis-aws-3.0", 100).optional(),
    control: queryText("control id within the framework (needs framework)", 100).optional(),
    severity: csvEnum(SEVERITIES, "severities").optional(),
    status: csvEnum(FINDING_STATUSES, "finding statuses").optional(),
    service: queryText("service, e.g. s3", 50).optional(),
    account: z
      .string()
      .regex(/^\d{12}$/, "a 12-digit AWS account id")
      .describe("AWS account id")
      .optional(),
    region: queryText("region, e.g. us-east-1 (global for IAM)", 50).optional(),
    checkId: queryText("check id", 200).optional(),
    suppressed: queryBoolean("only suppressed (true) or only unsuppressed (false) findings").optional(),
    format: z
      .enum(["json", "csv", "ocsf"])
      .default("json")
      .describe("json (paged), csv or ocsf (every match)"),
    ...pagingQuery,
  })
  .strict();

export const findingLifeSchema = z
  .object({
    id: z.string(),
    status: lifeStatusSchema,
    firstSeenAt: isoTime,
    lastSeenAt: isoTime,
    firstFailedAt: isoTime.nullable(),
    resolvedAt: isoTime.nullable(),
    history: z.array(
      z.object({
        scanId: z.string().describe("the scan, or the event-driven evaluation (ev-…), that saw the change"),
        at: isoTime,
        from: lifeStatusSchema.nullable(),
        to: lifeStatusSchema,
      }),
    ),
  })
  .meta({ id: "FindingLife" });

// ---------------------------------------------------------------------------------------------- resources

// ConfigurationItem is defined (and named) in src/domain.
export { configurationItemSchema };

export const resourceListSchema = z
  .object({ items: z.array(configurationItemSchema), ...pageMeta })
  .meta({ id: "ResourceList" });

export const resourceTypeCountsSchema = z
  .object({
    items: z.array(
      z.object({
        resourceType: z.string().describe("AWS Config resource type, e.g. AWS::S3::Bucket"),
        service: z.string().describe("the type's service part, e.g. S3"),
        count: z.number().int().nonnegative(),
      }),
    ),
  })
  .meta({ id: "ResourceTypeCounts" });

export const resourceTypeQuery = z
  .object({
    account: z
      .string()
      .regex(/^\d{12}$/, "a 12-digit AWS account id")
      .optional(),
  })
  .strict();

export const resourceQuery = z
  .object({
    account: z
      .string()
      .regex(/^\d{12}$/, "a 12-digit AWS account id")
      .optional(),
    region: queryText("region", 50).optional(),
    type: queryText("resource type, e.g. AWS::S3::Bucket", 200).optional(),
    search: queryText("part of the resource id or ARN", 200).optional(),
    ...pagingQuery,
  })
  .strict();

export const resourceDetailSchema = z
  .object({
    resource: configurationItemSchema,
    scanId: z.string().nullable().describe("the latest scan that saw the resource"),
    findings: z.array(findingSchema).describe("what that scan concluded about it, with evidence"),
    history: z
      .array(findingLifeSchema)
      .describe("each finding's life across scans and event-driven evaluations"),
    drift: z
      .array(driftRecordSchema)
      .describe("the latest changes made to it, newest first (from `enforceai watch`)"),
  })
  .meta({ id: "ResourceDetail" });

// ---------------------------------------------------------------------------------------------- posture

export const controlResultSchema = z
  .object({
    framework: z.string(),
    controlId: z.string(),
    title: z.string(),
    section: z.string().optional(),
    status: z.enum(["PASS", "FAIL", "MANUAL", "ERROR", "NO_RESOURCES"]),
    checks: z.array(z.string()),
    failed: z.number().int(),
    passed: z.number().int(),
    errors: z.number().int(),
    worstSeverity: severitySchema.optional(),
  })
  .meta({ id: "ControlResult" });

export const postureSchema = z
  .object({
    scanId: z.string(),
    completedAt: isoTime.nullable(),
    scores: z.record(z.string(), frameworkScoreSchema),
    frameworks: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        version: z.string(),
        controls: z.number().int(),
        automatedControls: z.number().int(),
      }),
    ),
    controls: z.array(controlResultSchema),
    summary: postureSummarySchema,
  })
  .meta({ id: "Posture" });

export const postureQuery = z
  .object({
    scanId: id("a scan id (default: the latest completed scan)").optional(),
    framework: queryText("only this framework's controls", 100).optional(),
  })
  .strict();

export const trendSchema = z
  .object({
    items: z.array(
      z.object({
        scanId: z.string(),
        startedAt: isoTime,
        completedAt: isoTime.nullable(),
        scores: z.record(z.string(), z.number()),
        findingCount: z.number().int(),
      }),
    ),
  })
  .meta({ id: "PostureTrend" });

export const trendQuery = z
  .object({
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(200)
      .default(30)
      .describe("how many completed scans, newest last"),
    framework: queryText("only this framework's score", 100).optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------- policies

// The condition language is recursive: naming it gives the recursion a component to refer to.
z.globalRegistry.add(conditionSchema, {
  id: "Condition",
  description: "a condition of the check language (docs/checks.md)",
});

export const checkDocumentSchema = checkSchema.meta({
  id: "CheckDefinition",
  description: "a check, exactly as in a check YAML file (docs/checks.md)",
});

export const policyInputSchema = z
  .object({
    check: checkDocumentSchema,
    controls: z
      .array(frameworkRefSchema)
      .max(100)
      .default([])
      .describe(
        "framework controls the check serves (they must exist); its findings then count in their scores",
      ),
  })
  .strict()
  .meta({ id: "PolicyInput" });

export const policySchema = z
  .object({
    id: z.string(),
    check: z.record(z.string(), z.unknown()).describe("the check definition"),
    controls: z.array(frameworkRefSchema),
    createdBy: z.string(),
    createdAt: isoTime,
    updatedBy: z.string(),
    updatedAt: isoTime,
  })
  .meta({ id: "Policy" });

export const policyListSchema = z.object({ items: z.array(policySchema) }).meta({ id: "PolicyList" });

// ---------------------------------------------------------------------------------------------- suppressions

export const suppressionSchema = domainSuppressionSchema
  .extend({ active: z.boolean().describe("false once expired") })
  .meta({ id: "Suppression" });

export const suppressionListSchema = z
  .object({ items: z.array(suppressionSchema) })
  .meta({ id: "SuppressionList" });

const selector = (description: string, max = 2048) =>
  z.string().min(1).max(max).regex(NO_CONTROL, "contains control characters").describe(description);

export const newSuppressionSchema = z
  .object({
    checkId: selector("only findings of this check", 200).optional(),
    resourceArn: selector("only findings about this resource").optional(),
    tagKey: selector("only resources with this tag", 128).optional(),
    tagValue: selector("…with this value (needs tagKey)", 256).optional(),
    accountId: accountId.optional(),
    region: selector("only this region", 50).optional(),
    reason: selector("why the finding is accepted", 2000).describe("why the finding is accepted"),
    owner: selector("who answers for the exception", 200),
    expiresAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("when the exception ends (must be in the future)"),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (!s.checkId && !s.resourceArn && !s.tagKey && !s.accountId && !s.region) {
      ctx.addIssue({
        code: "custom",
        path: ["checkId"],
        message: "say what to suppress: checkId, resourceArn, tagKey, accountId or region",
      });
    }
    if (s.tagValue && !s.tagKey)
      ctx.addIssue({ code: "custom", path: ["tagValue"], message: "tagValue needs tagKey" });
  })
  .meta({ id: "NewSuppression" });

// ---------------------------------------------------------------------------------------------- frameworks

export const frameworkSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.string(),
    controls: z.number().int(),
    automatedControls: z.number().int(),
  })
  .meta({ id: "FrameworkSummary" });

export const frameworkListSchema = z
  .object({ items: z.array(frameworkSummarySchema) })
  .meta({ id: "FrameworkList" });

export const frameworkDetailSchema = frameworkSummarySchema
  .extend({
    description: z.string(),
    publisher: z.string().optional(),
    source: z.enum(["builtin", "custom", "ingested"]),
    controlList: z.array(
      z.object({
        id: z.string(),
        section: z.string().optional(),
        title: z.string(),
        description: z.string(),
        checks: z.array(z.string()),
        manual: z.boolean(),
      }),
    ),
  })
  .meta({ id: "FrameworkDetail" });

// ---------------------------------------------------------------------------------------------- API keys

export const apiKeySchema = z
  .object({
    id: z.string(),
    role: roleSchema,
    name: z.string().nullable(),
    createdBy: z.string(),
    createdAt: isoTime,
    lastUsedAt: isoTime.nullable(),
    revokedAt: isoTime.nullable(),
  })
  .meta({ id: "ApiKey" });

export const apiKeyListSchema = z.object({ items: z.array(apiKeySchema) }).meta({ id: "ApiKeyList" });

export const newApiKeySchema = z
  .object({
    role: roleSchema,
    name: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[\w .@-]+$/, "letters, digits, spaces and _ . @ - only")
      .optional()
      .describe(
        "who holds the key: its identity for four eyes and the audit trail, stored normalised (NFKC, case-folded, trimmed)",
      ),
    sameHolder: z
      .boolean()
      .optional()
      .describe("the holder of an existing key with this identity is the same person (else a 409)"),
  })
  .strict()
  .meta({ id: "NewApiKey" });

export const createdApiKeySchema = z
  .object({
    id: z.string(),
    key: z.string().describe("shown once"),
    role: roleSchema,
    name: z.string().nullable(),
  })
  .meta({ id: "CreatedApiKey" });

// ---------------------------------------------------------------------------------------------- chat

export const chatMessageInputSchema = z
  .object({
    message: z
      .string()
      .min(1)
      .max(4000)
      .refine((s) => s.trim().length > 0, "the message is empty"),
  })
  .strict()
  .meta({ id: "ChatMessageInput" });

export const chatCitationSchema = z
  .object({
    kind: z.enum(["finding", "passage"]),
    id: z.string(),
    framework: z.string().optional(),
    controlId: z.string().nullable().optional(),
    source: z.string().optional(),
    title: z.string().optional(),
  })
  .meta({ id: "ChatCitation" });

export const chatTurnSchema = z
  .object({
    role: z.enum(["user", "assistant", "tool"]),
    content: z.string(),
    name: z.string().optional().describe("the tool's name (tool turns)"),
    toolCalls: z.array(z.object({ name: z.string(), args: z.record(z.string(), z.unknown()) })).optional(),
  })
  .meta({ id: "ChatTurn" });

export const chatThreadSchema = z
  .object({
    id: z.string(),
    owner: z.string(),
    createdAt: isoTime,
    updatedAt: isoTime,
    messages: z.array(chatTurnSchema),
  })
  .meta({ id: "ChatThread" });

export const threadParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, "letters, digits, _ and - only")
    .describe("a thread id chosen by the client"),
});

// ---------------------------------------------------------------------------------------------- health

export const healthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

export const readinessSchema = z
  .object({
    status: z.enum(["ready", "not_ready"]),
    checks: z.record(
      z.string(),
      z.object({ ok: z.boolean(), detail: z.string().optional(), ms: z.number().optional() }),
    ),
  })
  .meta({ id: "Readiness" });
