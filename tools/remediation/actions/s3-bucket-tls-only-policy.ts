import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import { parsePolicyDocument } from "../../aws/collector.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, readOrAbsent, sameValue, targetOf } from "../util.ts";

/** The Sid of the statement EnforceAI adds; a policy that carries it is never given a second one. */
export const TLS_ONLY_SID = "EnforceAIDenyInsecureTransport";

export function tlsOnlyStatement(bucket: string, partition = "aws"): Record<string, unknown> {
  return {
    Sid: TLS_ONLY_SID,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

function withoutSid(statement: unknown): unknown {
  if (!statement || typeof statement !== "object") return statement;
  const { Sid: _sid, ...rest } = statement as Record<string, unknown>;
  return rest;
}

/**
 * Merges the TLS-only statement into a bucket policy. Every existing statement is kept as it is, in order; the
 * statement is appended once: a policy that already has it (by Sid, or the same statement under another Sid)
 * comes back unchanged with `added: false`.
 */
export function mergeTlsOnlyStatement(
  policy: Record<string, unknown> | null,
  bucket: string,
  partition = "aws",
): { policy: Record<string, unknown>; added: boolean } {
  const statement = tlsOnlyStatement(bucket, partition);
  if (!policy) return { policy: { Version: "2012-10-17", Statement: [statement] }, added: true };
  const existing = policy.Statement;
  const list: unknown[] = Array.isArray(existing) ? existing : existing === undefined ? [] : [existing];
  const present = list.some(
    (s) =>
      (s && typeof s === "object" && (s as Record<string, unknown>).Sid === TLS_ONLY_SID) ||
      sameValue(withoutSid(s), withoutSid(statement)),
  );
  if (present) return { policy, added: false };
  return {
    policy: { ...policy, Version: policy.Version ?? "2012-10-17", Statement: [...list, statement] },
    added: true,
  };
}

function policyCall(bucket: string, region: string, policy: Record<string, unknown> | null): PlannedCall {
  if (!policy) return { service: "s3", operation: "DeleteBucketPolicy", region, input: { Bucket: bucket } };
  return {
    service: "s3",
    operation: "PutBucketPolicy",
    region,
    input: { Bucket: bucket, Policy: JSON.stringify(policy) },
  };
}

/** Adds a Deny-when-not-TLS statement to the bucket policy, merged into the existing policy. */
export const s3BucketTlsOnlyPolicy: RemediationAction = {
  id: "s3_bucket_tls_only_policy",
  title: "Refuse plain-HTTP requests to the bucket",
  description:
    `Adds the statement ${TLS_ONLY_SID} (Deny s3:* to every principal when aws:SecureTransport is false) to the ` +
    "bucket policy. The existing statements are kept unchanged; PutBucketPolicy receives the merged document.",
  resourceTypes: ["AWS::S3::Bucket"],
  fixes: ["s3_bucket_secure_transport_policy"],
  risk: "medium",
  reversible: true,
  rollbackNote:
    "Reversible: the previous policy document is put back exactly (or the policy is deleted when the bucket had none).",
  operations: {
    write: ["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"],
    read: ["s3:GetBucketPolicy"],
  },
  params: z.object({}).strict(),
  plan(item) {
    const current = readable(item.supplementaryConfiguration.policy, "the bucket policy") as
      | Record<string, unknown>
      | null
      | undefined;
    if (current && "$raw" in current) {
      throw new PlanError(
        "the bucket policy is not valid JSON, so it cannot be merged safely; fix it by hand",
      );
    }
    const partition = item.arn.split(":")[1] || "aws";
    const { policy, added } = mergeTlsOnlyStatement(current ?? null, item.resourceId, partition);
    if (!added) {
      throw new PlanError(
        `the bucket policy already has the ${TLS_ONLY_SID} statement; the check fails for another reason: read its finding`,
      );
    }
    const target = targetOf(item);
    return {
      target,
      calls: [policyCall(target.resourceId, target.region, policy)],
      before: { policy: current ?? null },
      after: { policy },
      notes: ["Clients that still use http:// endpoints are refused (403) from then on."],
    };
  },
  async read(exec, plan) {
    const answer = await readOrAbsent(
      () =>
        exec({
          service: "s3",
          operation: "GetBucketPolicy",
          region: plan.target.region,
          input: { Bucket: plan.target.resourceId },
        }),
      ["NoSuchBucketPolicy"],
    );
    return { policy: answer ? parsePolicyDocument(answer.Policy as string | undefined) : null };
  },
  rollback(plan, prior) {
    return {
      calls: [
        policyCall(
          plan.target.resourceId,
          plan.target.region,
          (prior.policy as Record<string, unknown> | null) ?? null,
        ),
      ],
    };
  },
};
