import { z } from "zod";
import type { FieldState, PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { readable, readOrAbsent } from "../util.ts";
import { bucketOf } from "./s3-bucket.ts";

const params = z
  .object({
    /** AES256 (SSE-S3) or aws:kms (SSE-KMS). */
    sseAlgorithm: z.enum(["AES256", "aws:kms", "aws:kms:dsse"]).default("AES256"),
    /** For aws:kms: the key; without it S3 uses the AWS managed key aws/s3. */
    kmsMasterKeyId: z.string().min(1).optional(),
    bucketKeyEnabled: z.boolean().optional(),
  })
  .strict();
type Params = z.infer<typeof params>;

interface Rule {
  applyServerSideEncryptionByDefault?: {
    sseAlgorithm?: string;
    kmsMasterKeyID?: string;
    kmsMasterKeyId?: string;
  };
  bucketKeyEnabled?: boolean;
  ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string };
  BucketKeyEnabled?: boolean;
}

function stateOf(rule: Rule | undefined): FieldState {
  if (!rule) return { sseAlgorithm: null, kmsMasterKeyId: null, bucketKeyEnabled: false };
  const lower = rule.applyServerSideEncryptionByDefault;
  const upper = rule.ApplyServerSideEncryptionByDefault;
  return {
    sseAlgorithm: lower?.sseAlgorithm ?? upper?.SSEAlgorithm ?? null,
    kmsMasterKeyId: lower?.kmsMasterKeyID ?? lower?.kmsMasterKeyId ?? upper?.KMSMasterKeyID ?? null,
    bucketKeyEnabled: (rule.bucketKeyEnabled ?? rule.BucketKeyEnabled) === true,
  };
}

function putCall(bucket: string, region: string, state: FieldState): PlannedCall {
  const byDefault: Record<string, unknown> = { SSEAlgorithm: state.sseAlgorithm };
  if (state.kmsMasterKeyId) byDefault.KMSMasterKeyID = state.kmsMasterKeyId;
  return {
    service: "s3",
    operation: "PutBucketEncryption",
    region,
    input: {
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: byDefault,
            BucketKeyEnabled: state.bucketKeyEnabled === true,
          },
        ],
      },
    },
  };
}

/** Sets the bucket's default encryption (SSE-S3, or SSE-KMS when the KMS check failed or params ask for it). */
export const s3BucketDefaultEncryption: RemediationAction<Params> = {
  id: "s3_bucket_default_encryption",
  title: "Turn on default encryption for the bucket",
  description:
    "Puts a default server-side encryption rule on the bucket. New objects are encrypted; existing objects stay as " +
    "they are until they are rewritten.",
  resourceTypes: ["AWS::S3::Bucket"],
  fixes: ["s3_bucket_default_encryption", "s3_bucket_kms_encryption"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: the previous rule is put back, or the default encryption configuration is deleted when there was none. Objects written meanwhile stay encrypted.",
  operations: {
    write: ["s3:PutBucketEncryption", "s3:DeleteBucketEncryption"],
    read: ["s3:GetBucketEncryption"],
  },
  params: params as z.ZodType<Params>,
  defaultParams(ctx) {
    return ctx.checks.some((c) => c.id === "s3_bucket_kms_encryption") ? { sseAlgorithm: "aws:kms" } : {};
  },
  plan(item, p, ctx) {
    const { target } = bucketOf(item, ctx);
    const encryption = readable(
      item.supplementaryConfiguration.encryption,
      "the bucket's default encryption",
    ) as { rules?: Rule[] } | null | undefined;
    const before = stateOf(encryption?.rules?.[0]);
    const kms = p.sseAlgorithm !== "AES256";
    const after: FieldState = {
      sseAlgorithm: p.sseAlgorithm,
      kmsMasterKeyId: kms ? (p.kmsMasterKeyId ?? null) : null,
      bucketKeyEnabled: p.bucketKeyEnabled ?? kms,
    };
    const notes = ["Objects already in the bucket are not re-encrypted; copy them in place to encrypt them."];
    if (kms && !p.kmsMasterKeyId) notes.push("No key given: S3 uses the AWS managed key aws/s3.");
    if (kms) notes.push("Readers of new objects need kms:Decrypt on the key.");
    return { target, calls: [putCall(target.resourceId, target.region, after)], before, after, notes };
  },
  async read(exec, plan) {
    const answer = await readOrAbsent(
      () =>
        exec({
          service: "s3",
          operation: "GetBucketEncryption",
          region: plan.target.region,
          input: { Bucket: plan.target.resourceId },
        }),
      ["ServerSideEncryptionConfigurationNotFoundError"],
    );
    const rules = (answer?.ServerSideEncryptionConfiguration as { Rules?: Rule[] } | undefined)?.Rules;
    return stateOf(rules?.[0]);
  },
  rollback(plan, prior) {
    const Bucket = plan.target.resourceId;
    if (!prior.sseAlgorithm) {
      return {
        calls: [
          {
            service: "s3",
            operation: "DeleteBucketEncryption",
            region: plan.target.region,
            input: { Bucket },
          },
        ],
      };
    }
    return { calls: [putCall(Bucket, plan.target.region, prior)] };
  },
};
