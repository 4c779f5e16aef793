import { z } from "zod";
import type { OrganizationScope } from "./organization.ts";
import { coverageGapSchema } from "./types.ts";

/**
 * The scan's shapes as zod schemas, the one definition (see src/domain/types.ts); `.meta({ id })` names a
 * component of the API's OpenAPI document.
 */
export const SCAN_STATUSES = ["running", "awaiting_approval", "completed", "failed", "cancelled"] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];
export const scanStatusSchema = z.enum(SCAN_STATUSES).meta({ id: "ScanStatus" });

/** A framework's score: the one definition (the API names it `FrameworkScore` in its document). */
export const frameworkScoreSchema = z
  .object({
    score: z.number().describe("passed controls as a percentage of decided automated controls"),
    passed: z.number().int(),
    failed: z.number().int(),
    manual: z.number().int(),
  })
  .meta({ id: "FrameworkScore" });
export type FrameworkScore = z.infer<typeof frameworkScoreSchema>;

/** What a scan's model calls used and cost. */
export const llmUsageSchema = z.object({
  mode: z.string(),
  calls: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheHits: z.number().optional(),
  estimatedCostUsd: z.number().optional(),
});
export type LlmUsage = z.infer<typeof llmUsageSchema>;

export const SCAN_SOURCES = ["live", "inventory", "demo"] as const;

const isoTime = z.string().describe("ISO-8601 time");

/** A scan as every ring sees it; the store persists it, reports and the API show it. */
export const scanRecordSchema = z.object({
  id: z.string(),
  status: scanStatusSchema,
  source: z.enum(SCAN_SOURCES),
  requestedBy: z.string(),
  startedAt: isoTime,
  completedAt: isoTime.nullable(),
  accounts: z.array(z.string()),
  regions: z.array(z.string()),
  frameworks: z.array(z.string()),
  /** How the scan was asked for (kept for resume; the API does not show it). */
  options: z.record(z.string(), z.unknown()),
  resourceCount: z.number().int(),
  findingCount: z.number().int(),
  coverageGaps: z.array(coverageGapSchema),
  scores: z.record(z.string(), frameworkScoreSchema),
  /** Empty until the scan's model calls are counted (and for scans that made none). */
  llm: z.union([llmUsageSchema, z.record(z.string(), z.never())]),
  error: z.string().nullable(),
});
export type ScanRecord = z.infer<typeof scanRecordSchema>;

/** Where a scan reads its inventory from: the bundled sample, a saved file, or live discovery. */
export type InventorySource =
  | { kind: "demo" }
  | { kind: "inventory"; file: string }
  | {
      kind: "live";
      regions?: string[];
      roleArns?: string[];
      externalId?: string;
      endpoint?: string;
      /** Every active account of the AWS Organization the caller manages, through a role in each. */
      organization?: OrganizationScope;
    };
