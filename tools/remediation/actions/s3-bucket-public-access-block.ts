import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import {
  ALL_BLOCKED,
  publicAccessBlockInput,
  publicAccessBlockState,
  readable,
  readOrAbsent,
} from "../util.ts";
import { BUCKET_RESOURCE_TYPES, bucketOf } from "./s3-bucket.ts";

/** Turns on all four Block Public Access settings of one bucket. */
export const s3BucketPublicAccessBlock: RemediationAction = {
  id: "s3_bucket_public_access_block",
  title: "Block public access to the bucket",
  description:
    "Sets all four Block Public Access settings of the bucket to true: public ACLs are ignored and refused, and " +
    "public bucket policies stop granting access. The ACLs and the policy themselves are left as they are.",
  resourceTypes: BUCKET_RESOURCE_TYPES,
  fixes: [
    "s3_bucket_public_access_block",
    "s3_bucket_not_public",
    "s3_bucket_policy_no_public_principal",
    "s3_bucket_no_public_acl_grants",
    "cloudtrail_bucket_not_public",
  ],
  risk: "medium",
  reversible: true,
  rollbackNote:
    "Reversible: the previous settings are put back (or the bucket-level block is deleted when there was none).",
  operations: {
    write: ["s3:PutPublicAccessBlock", "s3:DeletePublicAccessBlock"],
    read: ["s3:GetPublicAccessBlock"],
  },
  params: z.object({}).strict(),
  plan(item, _params, ctx) {
    const { bucket, target } = bucketOf(item, ctx);
    const current = readable(
      bucket.supplementaryConfiguration.publicAccessBlock,
      "the bucket's public access block",
    );
    const before = publicAccessBlockState((current as Record<string, unknown> | null | undefined) ?? null);
    const calls: PlannedCall[] = [
      {
        service: "s3",
        operation: "PutPublicAccessBlock",
        region: target.region,
        input: {
          Bucket: target.resourceId,
          PublicAccessBlockConfiguration: publicAccessBlockInput(ALL_BLOCKED),
        },
      },
    ];
    return {
      target,
      calls,
      before,
      after: { ...ALL_BLOCKED },
      notes: ["Anonymous readers of the bucket (a public website, public downloads) lose access."],
    };
  },
  async read(exec, plan) {
    const answer = await readOrAbsent(
      () =>
        exec({
          service: "s3",
          operation: "GetPublicAccessBlock",
          region: plan.target.region,
          input: { Bucket: plan.target.resourceId },
        }),
      ["NoSuchPublicAccessBlockConfiguration"],
    );
    return publicAccessBlockState(
      answer ? ((answer.PublicAccessBlockConfiguration as Record<string, unknown>) ?? {}) : null,
    );
  },
  rollback(plan, prior) {
    const Bucket = plan.target.resourceId;
    const region = plan.target.region;
    if (prior.configured !== true) {
      return { calls: [{ service: "s3", operation: "DeletePublicAccessBlock", region, input: { Bucket } }] };
    }
    return {
      calls: [
        {
          service: "s3",
          operation: "PutPublicAccessBlock",
          region,
          input: { Bucket, PublicAccessBlockConfiguration: publicAccessBlockInput(prior) },
        },
      ],
    };
  },
};
