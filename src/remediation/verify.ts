/**
 * Verification: re-discover the changed resources with the read-only collectors (the scanning credentials),
 * then re-run the checks of the findings the action was meant to fix with `evaluateOne`. PASS only when every
 * one of them passes on the fresh configuration.
 */

import {
  ApiCallCounter,
  AwsClientSet,
  type AwsCredentials,
  type ClientFactory,
  createClient,
  endpointFor,
} from "../../tools/aws/clients.ts";
import type { CollectorContext, ServiceName } from "../../tools/aws/collector.ts";
import { errorCode, errorText } from "../../tools/aws/collector.ts";
import { COLLECTORS } from "../../tools/aws/discover.ts";
import type { ProposalFinding } from "../domain/remediation.ts";
import { compareItems, withContentHash } from "../domain/shape.ts";
import type { ConfigurationItem, FindingStatus } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import { createContext, evaluateOne } from "../engine/evaluate.ts";

/** How verification reads AWS: the scan's (read-only) access, not the remediation credentials. */
export interface DiscoveryAccess {
  clientFactory?: ClientFactory;
  endpoint?: string;
  credentials?: AwsCredentials;
  /** Region of global services (IAM, S3 listing). Default AWS_REGION, then us-east-1. */
  homeRegion?: string;
  maxAttempts?: number;
}

export interface VerificationResult {
  status: "PASS" | "FAIL" | "ERROR";
  at: string;
  results: {
    findingId: string;
    checkId: string;
    resourceId: string;
    status: FindingStatus | "GONE";
    reason: string;
  }[];
  /** Listings that could not be read during re-discovery. */
  gaps: { service: string; region: string; error: string }[];
}

const SERVICE_OF_TYPE: Record<string, ServiceName> = {
  "AWS::::Account": "account",
  S3: "s3",
  IAM: "iam",
  EC2: "ec2",
  RDS: "rds",
  Lambda: "lambda",
  CloudTrail: "cloudtrail",
  KMS: "kms",
};

export function serviceOfType(resourceType: string): ServiceName | undefined {
  if (resourceType === "AWS::::Account") return "account";
  return SERVICE_OF_TYPE[resourceType.split("::")[1] ?? ""];
}

export interface Resource {
  resourceType: string;
  resourceId: string;
  region: string;
  accountId: string;
  arn: string;
}

const keyOf = (i: {
  accountId: string;
  awsRegion?: string;
  region?: string;
  resourceType: string;
  resourceId: string;
}) => `${i.accountId}|${i.awsRegion ?? i.region}|${i.resourceType}|${i.resourceId}`;

/** Runs the collectors that cover `resources` (their service, in their region) and answers their items. */
export async function rediscover(
  resources: readonly Resource[],
  access: DiscoveryAccess,
  now: () => Date,
): Promise<{ items: ConfigurationItem[]; gaps: VerificationResult["gaps"] }> {
  const first = resources[0];
  if (!first) return { items: [], gaps: [] };
  const homeRegion =
    access.homeRegion ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1";
  const accountId = first.accountId;
  const partition = first.arn.split(":")[1] || "aws";
  const counter = new ApiCallCounter();
  const factory = access.clientFactory ?? createClient;
  const sets = new Map<string, AwsClientSet>();
  const clientsFor = (region: string) => {
    let set = sets.get(region);
    if (!set) {
      set = new AwsClientSet(
        region,
        (kind) => ({
          region,
          endpoint: endpointFor(kind, access.endpoint),
          credentials: access.credentials,
          maxAttempts: access.maxAttempts ?? 3,
          retryMode: "standard",
        }),
        factory,
        counter,
      );
      sets.set(region, set);
    }
    return set;
  };
  const regions = [...new Set(resources.map((r) => r.region).filter((r) => r !== "global"))].sort();
  const tasks = new Map<string, { service: ServiceName; region: string }>();
  for (const r of resources) {
    const service = serviceOfType(r.resourceType);
    if (!service) continue;
    const region = COLLECTORS[service].global ? "global" : r.region;
    tasks.set(`${service}|${region}`, { service, region });
  }
  const gaps: VerificationResult["gaps"] = [];
  try {
    const parts = await Promise.all(
      [...tasks.values()].map(async ({ service, region }) => {
        const callRegion = region === "global" ? homeRegion : region;
        const ctx: CollectorContext = {
          accountId,
          partition,
          region: callRegion,
          regions: regions.length > 0 ? regions : [homeRegion],
          clients: clientsFor(callRegion),
          clientsFor,
          now,
          perResourceConcurrency: 4,
          recordGap: (what, error) =>
            gaps.push({ service, region, error: `${what}: ${errorCode(error)}: ${errorText(error)}` }),
        };
        try {
          return await COLLECTORS[service].collect(ctx);
        } catch (error) {
          gaps.push({ service, region, error: `${errorCode(error)}: ${errorText(error)}` });
          return [];
        }
      }),
    );
    return { items: parts.flat().map(withContentHash).sort(compareItems), gaps };
  } finally {
    for (const set of sets.values()) set.destroy();
  }
}

/**
 * Re-evaluates the findings on fresh items. `context` is the rest of the inventory (the scan's stored items):
 * fresh items replace their stored versions, so cross-resource checks see the current state of what changed.
 */
export function reevaluate(
  findings: readonly ProposalFinding[],
  fresh: readonly ConfigurationItem[],
  context: readonly ConfigurationItem[],
  catalog: Catalog,
  now: Date,
): VerificationResult["results"] {
  const merged = new Map(context.map((i) => [keyOf(i), i] as const));
  for (const item of fresh) merged.set(keyOf(item), item);
  const ctx = createContext([...merged.values()], catalog.settings, now);
  const freshByKey = new Map(fresh.map((i) => [keyOf(i), i] as const));
  return findings.map((f) => {
    const base = { findingId: f.id, checkId: f.checkId, resourceId: f.resourceId };
    const compiled = catalog.checks.find((c) => c.check.id === f.checkId);
    if (!compiled)
      return { ...base, status: "ERROR" as const, reason: `check ${f.checkId} is not in the catalog` };
    const item = freshByKey.get(keyOf(f));
    if (!item) {
      return {
        ...base,
        status: "GONE" as const,
        reason: `${f.resourceType} ${f.resourceId} was not found when it was discovered again`,
      };
    }
    const verdict = evaluateOne(compiled, item, ctx);
    if (!verdict)
      return { ...base, status: "PASS" as const, reason: "the check no longer applies to the resource" };
    return { ...base, status: verdict.status, reason: verdict.reason };
  });
}

export function overallStatus(results: VerificationResult["results"]): VerificationResult["status"] {
  if (results.length > 0 && results.every((r) => r.status === "PASS")) return "PASS";
  if (results.some((r) => r.status === "FAIL")) return "FAIL";
  return "ERROR";
}
