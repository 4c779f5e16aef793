/**
 * Verification: re-discover the changed resources with the read-only collectors (the scanning credentials),
 * then re-run the checks of the findings the action was meant to fix with `evaluateOne`. PASS only when every
 * one of them passes on the fresh configuration.
 */

import type { AwsAccess } from "../../tools/aws/access.ts";
import { discoverResources, type ResourceRef } from "../../tools/aws/discover.ts";
import type { ProposalFinding } from "../domain/remediation.ts";
import type { Clock, ConfigurationItem, FindingStatus } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import { createContext, evaluateOne } from "../engine/evaluate.ts";
import { ConflictError, errorMessage, NotFoundError } from "../errors.ts";
import type { Store } from "../store/index.ts";

/**
 * How verification reads AWS: the scan's (read-only) access, not the remediation credentials. A maker: the
 * verifier makes it when it verifies and destroys it after.
 */
export type DiscoveryAccess = () => AwsAccess;

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

const keyOf = (i: {
  accountId: string;
  awsRegion?: string;
  region?: string;
  resourceType: string;
  resourceId: string;
}) => `${i.accountId}|${i.awsRegion ?? i.region}|${i.resourceType}|${i.resourceId}`;

export interface VerifierDeps {
  store: Store;
  clock: Clock;
  catalog: () => Promise<Catalog>;
}

export class Verifier {
  constructor(private readonly deps: VerifierDeps) {}

  /** Re-discovers the changed resource and re-runs the checks of its findings; records PASS/FAIL. */
  async verify(approvalId: string, access: DiscoveryAccess): Promise<VerificationResult> {
    const { store } = this.deps;
    const rec = await store.remediations.findApproval(approvalId);
    if (!rec) throw new NotFoundError(`approval request ${approvalId} does not exist`);
    const executions = await store.remediations.executions(rec.remediationId);
    if (!executions.some((e) => e.status === "succeeded") || !rec.document.plan) {
      throw new ConflictError(`approval request ${approvalId} has no successful execution to verify`);
    }
    const doc = rec.document;
    const plan = doc.plan!;
    const now = this.deps.clock();
    const resources: ResourceRef[] = [
      ...doc.findings.map((f) => ({ ...f, arn: f.resourceArn })),
      { ...plan.target },
    ];
    const aws = access();
    let fresh: Awaited<ReturnType<typeof discoverResources>>;
    try {
      fresh = await discoverResources(aws, resources, { clock: this.deps.clock });
    } finally {
      aws.destroy();
    }
    const gaps = fresh.gaps.map((g) => ({
      service: g.service,
      region: g.region,
      error: `${g.code}: ${g.error}`,
    }));
    const context = rec.scanId ? await store.resources.scanInventory(rec.scanId) : [];
    const results = reevaluate(doc.findings, fresh.items, context, await this.deps.catalog(), now);
    const result: VerificationResult = {
      status: overallStatus(results),
      at: now.toISOString(),
      results,
      gaps,
    };
    await store.transaction(async (tx) => {
      await tx.remediations.setVerification(
        rec.remediationId,
        result as unknown as Record<string, unknown>,
        result.status === "PASS" ? "verified" : "verification_failed",
        now,
      );
      await tx.audit.append({
        at: now,
        actor: "enforceai",
        action: result.status === "PASS" ? "remediation.verified" : "remediation.verification_failed",
        subjectType: "approval",
        subjectId: rec.id,
        details: { status: result.status, results, gaps },
      });
    });
    return result;
  }

  /** Verifies every request of the scan whose change was applied and not yet verified. */
  async verifyScan(
    scanId: string,
    access: DiscoveryAccess,
  ): Promise<{ approvalId: string; result?: VerificationResult; error?: string }[]> {
    const records = await this.deps.store.remediations.listApprovals({ scanId, status: ["approved"] });
    const out: { approvalId: string; result?: VerificationResult; error?: string }[] = [];
    for (const rec of records.reverse()) {
      if (rec.remediationStatus !== "applied") continue;
      try {
        out.push({ approvalId: rec.id, result: await this.verify(rec.id, access) });
      } catch (error) {
        out.push({ approvalId: rec.id, error: errorMessage(error) });
      }
    }
    return out;
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
