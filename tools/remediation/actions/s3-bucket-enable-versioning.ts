import { z } from "zod";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

/** Turns on versioning for the bucket. */
export const s3BucketEnableVersioning: RemediationAction = {
  id: "s3_bucket_enable_versioning",
  title: "Turn on versioning for the bucket",
  description:
    "Sets the bucket's versioning status to Enabled, so overwritten and deleted objects can be recovered.",
  resourceTypes: ["AWS::S3::Bucket"],
  fixes: ["s3_bucket_versioning_enabled"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Partly reversible: versioning is set back to Suspended (S3 cannot return a bucket to 'never versioned'); versions made meanwhile remain and are billed until deleted.",
  operations: { write: ["s3:PutBucketVersioning"], read: ["s3:GetBucketVersioning"] },
  params: z.object({}).strict(),
  plan(item) {
    const versioning = readable(item.supplementaryConfiguration.versioning, "the bucket's versioning") as
      | { status?: string | null; mfaDelete?: string | null }
      | null
      | undefined;
    if (versioning?.mfaDelete === "Enabled") {
      throw new PlanError(
        "MFA delete is on for this bucket: changing versioning needs the root user's MFA code, which EnforceAI cannot give",
      );
    }
    const target = targetOf(item);
    return {
      target,
      calls: [
        {
          service: "s3",
          operation: "PutBucketVersioning",
          region: target.region,
          input: { Bucket: target.resourceId, VersioningConfiguration: { Status: "Enabled" } },
        },
      ],
      before: { status: versioning?.status ?? null },
      after: { status: "Enabled" },
      notes: [
        "Every overwrite and delete keeps a version from now on; add a lifecycle rule to expire old versions.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "s3",
      operation: "GetBucketVersioning",
      region: plan.target.region,
      input: { Bucket: plan.target.resourceId },
    });
    return { status: (answer.Status as string | undefined) ?? null };
  },
  rollback(plan, prior) {
    if (prior.status === "Enabled") return { calls: [] };
    return {
      calls: [
        {
          service: "s3",
          operation: "PutBucketVersioning",
          region: plan.target.region,
          input: { Bucket: plan.target.resourceId, VersioningConfiguration: { Status: "Suspended" } },
        },
      ],
    };
  },
};
