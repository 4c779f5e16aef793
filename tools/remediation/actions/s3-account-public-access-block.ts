import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import {
  ALL_BLOCKED,
  publicAccessBlockInput,
  publicAccessBlockState,
  readOrAbsent,
  targetOf,
} from "../util.ts";

/** Turns on all four S3 Block Public Access settings for the whole account (S3 Control). */
export const s3AccountPublicAccessBlock: RemediationAction = {
  id: "s3_account_public_access_block",
  title: "Block public access to S3 for the whole account",
  description:
    "Sets BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and RestrictPublicBuckets to true at account level, " +
    "so no bucket of the account can be made public by an ACL or a bucket policy.",
  resourceTypes: ["AWS::S3::AccountPublicAccessBlock"],
  fixes: ["s3_account_public_access_block"],
  risk: "high",
  reversible: true,
  rollbackNote:
    "Reversible: the previous four settings are put back (or the account-level block is deleted when there was none).",
  operations: {
    write: ["s3control:PutPublicAccessBlock", "s3control:DeletePublicAccessBlock"],
    read: ["s3control:GetPublicAccessBlock"],
  },
  params: z.object({}).strict(),
  plan(item) {
    const before = publicAccessBlockState(item.configuration.configured === true ? item.configuration : null);
    const calls: PlannedCall[] = [
      {
        service: "s3control",
        operation: "PutPublicAccessBlock",
        region: "global",
        input: {
          AccountId: item.accountId,
          PublicAccessBlockConfiguration: publicAccessBlockInput(ALL_BLOCKED),
        },
      },
    ];
    return {
      target: targetOf(item),
      calls,
      before,
      after: { ...ALL_BLOCKED },
      notes: [
        "Every bucket of the account stops serving public content, static websites included: move public content behind CloudFront first.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await readOrAbsent(
      () =>
        exec({
          service: "s3control",
          operation: "GetPublicAccessBlock",
          region: "global",
          input: { AccountId: plan.target.accountId },
        }),
      ["NoSuchPublicAccessBlockConfiguration"],
    );
    return publicAccessBlockState(
      answer ? ((answer.PublicAccessBlockConfiguration as Record<string, unknown>) ?? {}) : null,
    );
  },
  rollback(plan, prior) {
    const AccountId = plan.target.accountId;
    if (prior.configured !== true) {
      return {
        calls: [
          {
            service: "s3control",
            operation: "DeletePublicAccessBlock",
            region: "global",
            input: { AccountId },
          },
        ],
      };
    }
    return {
      calls: [
        {
          service: "s3control",
          operation: "PutPublicAccessBlock",
          region: "global",
          input: { AccountId, PublicAccessBlockConfiguration: publicAccessBlockInput(prior) },
        },
      ],
    };
  },
};
