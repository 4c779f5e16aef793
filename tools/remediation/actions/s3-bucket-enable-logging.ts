import { z } from "zod";
import type { FieldState, PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable } from "../util.ts";
import { BUCKET_RESOURCE_TYPES, bucketOf } from "./s3-bucket.ts";

const params = z
  .object({
    /** The bucket that receives the access logs (it must allow logging.s3.amazonaws.com to write). */
    targetBucket: z.string().min(3).optional(),
    /** Default: `<bucket>/`. */
    targetPrefix: z.string().optional(),
  })
  .strict();
type Params = z.infer<typeof params>;

function putCall(bucket: string, region: string, state: FieldState): PlannedCall {
  return {
    service: "s3",
    operation: "PutBucketLogging",
    region,
    input: {
      Bucket: bucket,
      BucketLoggingStatus: state.targetBucket
        ? { LoggingEnabled: { TargetBucket: state.targetBucket, TargetPrefix: state.targetPrefix ?? "" } }
        : {},
    },
  };
}

/** Turns on server access logging for the bucket, into a log bucket named in the params. */
export const s3BucketEnableLogging: RemediationAction<Params> = {
  id: "s3_bucket_enable_logging",
  title: "Turn on server access logging for the bucket",
  description:
    "Sends the bucket's server access logs to the log bucket given in params.targetBucket (under targetPrefix).",
  resourceTypes: BUCKET_RESOURCE_TYPES,
  fixes: ["s3_bucket_access_logging_enabled", "cloudtrail_bucket_access_logging"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: the previous logging configuration is put back (logging off when there was none).",
  operations: { write: ["s3:PutBucketLogging"], read: ["s3:GetBucketLogging"] },
  params: params as z.ZodType<Params>,
  plan(item, p, ctx) {
    const { bucket, target } = bucketOf(item, ctx);
    if (!p.targetBucket) {
      throw new PlanError(
        "no log bucket is configured: set params.targetBucket for s3_bucket_enable_logging in the remediation policy",
      );
    }
    if (p.targetBucket === target.resourceId) {
      throw new PlanError(
        `a bucket must not log into itself (${target.resourceId}): choose another log bucket`,
      );
    }
    const logging = readable(
      bucket.supplementaryConfiguration.logging,
      "the bucket's logging configuration",
    ) as { targetBucket?: string | null; targetPrefix?: string | null } | null | undefined;
    const before: FieldState = {
      targetBucket: logging?.targetBucket ?? null,
      targetPrefix: logging?.targetBucket ? (logging.targetPrefix ?? "") : null,
    };
    const after: FieldState = {
      targetBucket: p.targetBucket,
      targetPrefix: p.targetPrefix ?? `${target.resourceId}/`,
    };
    return {
      target,
      calls: [putCall(target.resourceId, target.region, after)],
      before,
      after,
      notes: [
        `The log bucket ${p.targetBucket} must be in the same region and account and allow the logging.s3.amazonaws.com service principal to write (its policy is not changed by this action).`,
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "s3",
      operation: "GetBucketLogging",
      region: plan.target.region,
      input: { Bucket: plan.target.resourceId },
    });
    const enabled = answer.LoggingEnabled as { TargetBucket?: string; TargetPrefix?: string } | undefined;
    return {
      targetBucket: enabled?.TargetBucket ?? null,
      targetPrefix: enabled?.TargetBucket ? (enabled.TargetPrefix ?? "") : null,
    };
  },
  rollback(plan, prior) {
    return { calls: [putCall(plan.target.resourceId, plan.target.region, prior)] };
  },
};
