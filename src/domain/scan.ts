import { z } from "zod";
import type { CoverageGap } from "./types.ts";

/** A scan as every ring sees it; the store persists it, reports and the API show it. */
export const SCAN_STATUSES = ["running", "awaiting_approval", "completed", "failed", "cancelled"] as const;
export type ScanStatus = (typeof SCAN_STATUSES)[number];

/** A framework's score: the one definition (the API names it `FrameworkScore` in its document). */
export const frameworkScoreSchema = z.object({
  score: z.number().describe("passed controls as a percentage of decided automated controls"),
  passed: z.number().int(),
  failed: z.number().int(),
  manual: z.number().int(),
});
export type FrameworkScore = z.infer<typeof frameworkScoreSchema>;

export interface LlmUsage {
  mode: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheHits?: number;
  estimatedCostUsd?: number;
}

export interface ScanRecord {
  id: string;
  status: ScanStatus;
  source: "live" | "inventory" | "demo";
  requestedBy: string;
  startedAt: string;
  completedAt: string | null;
  accounts: string[];
  regions: string[];
  frameworks: string[];
  options: Record<string, unknown>;
  resourceCount: number;
  findingCount: number;
  coverageGaps: CoverageGap[];
  scores: Record<string, FrameworkScore>;
  llm: LlmUsage | Record<string, never>;
  error: string | null;
}

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
    };
