import type { RemediationTarget } from "../../../src/domain/remediation.ts";
import type { ConfigurationItem } from "../../../src/domain/types.ts";
import { type PlanContext, PlanError } from "../types.ts";
import { targetOf } from "../util.ts";

/**
 * The bucket a bucket-level action changes: the finding's bucket, or — for CloudTrail findings about the trail's
 * log bucket — the bucket the trail delivers to, found in the inventory.
 */
export function bucketOf(
  item: ConfigurationItem,
  ctx: PlanContext,
): { bucket: ConfigurationItem; target: RemediationTarget } {
  if (item.resourceType === "AWS::S3::Bucket") return { bucket: item, target: targetOf(item) };
  if (item.resourceType === "AWS::CloudTrail::Trail") {
    const name = item.configuration.s3BucketName;
    if (typeof name !== "string" || name === "") {
      throw new PlanError(`trail ${item.resourceId} names no S3 bucket`);
    }
    const bucket = ctx.itemsOfType("AWS::S3::Bucket").find((b) => b.resourceId === name);
    if (!bucket) {
      throw new PlanError(
        `the log bucket ${name} of trail ${item.resourceId} is not in the inventory (another account or region?); fix it there`,
      );
    }
    return { bucket, target: targetOf(bucket) };
  }
  throw new PlanError(`${item.resourceType} is not an S3 bucket or a CloudTrail trail`);
}

export const BUCKET_RESOURCE_TYPES = ["AWS::S3::Bucket", "AWS::CloudTrail::Trail"] as const;
