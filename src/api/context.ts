/** What every route handler can reach: the app and the services the server composed around it. */

import type { App } from "../app.ts";
import type { RemediationService } from "../remediation/service.ts";
import type { ChatService } from "../services/chat.ts";
import type { Knowledge } from "../services/knowledge-base.ts";
import type { PolicyService } from "../services/policies.ts";
import type { ReportCache } from "../services/report-cache.ts";
import type { ScanJobs } from "../services/scan-jobs.ts";
import type { KeyCache } from "./auth.ts";
import type { RateLimiter } from "./rate-limit.ts";

export interface ApiLimits {
  /** JSON request bodies (bytes). */
  jsonBodyBytes: number;
  /** Uploaded documents (bytes). */
  uploadBytes: number;
}

export interface ApiServices {
  app: App;
  jobs: ScanJobs;
  policies: PolicyService;
  chat: ChatService;
  /** The knowledge base (documents, ingestion, mappings), created on first use. */
  knowledgeBase(): Promise<Knowledge>;
  /** The remediation module (approval queue, executions), created on first use. */
  remediation(): Promise<RemediationService>;
  rateLimiter?: RateLimiter;
  /** Valid keys remembered for a few seconds (see KeyCache). */
  keyCache: KeyCache;
  /** Reports of completed scans, built once (see ReportCache). */
  reports: ReportCache;
  limits: ApiLimits;
  /** Whether `autoRemediate` scans can run (the scan runner passes the flag to the graph's remediation nodes). */
  autoRemediation: boolean;
}
