import { z } from "zod";
import type { RemediationAction } from "../types.ts";
import { targetOf } from "../util.ts";

/** Turns on EBS encryption by default for the region. */
export const ec2EbsEncryptionByDefault: RemediationAction = {
  id: "ec2_ebs_encryption_by_default",
  title: "Turn on EBS encryption by default in the region",
  description:
    "Every EBS volume and snapshot copy created in the region from now on is encrypted (with the default EBS key). Existing volumes are not changed.",
  resourceTypes: ["AWS::EC2::RegionalSettings"],
  fixes: ["ec2_ebs_encryption_by_default"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: the regional default is turned off again; volumes created meanwhile stay encrypted.",
  operations: {
    write: ["ec2:EnableEbsEncryptionByDefault", "ec2:DisableEbsEncryptionByDefault"],
    read: ["ec2:GetEbsEncryptionByDefault"],
  },
  params: z.object({}).strict(),
  plan(item) {
    const target = targetOf(item);
    return {
      target,
      calls: [
        { service: "ec2", operation: "EnableEbsEncryptionByDefault", region: target.region, input: {} },
      ],
      before: { ebsEncryptionByDefault: item.configuration.ebsEncryptionByDefault === true },
      after: { ebsEncryptionByDefault: true },
      notes: ["Instance types without encryption support can no longer be launched in the region."],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "ec2",
      operation: "GetEbsEncryptionByDefault",
      region: plan.target.region,
      input: {},
    });
    return { ebsEncryptionByDefault: answer.EbsEncryptionByDefault === true };
  },
  rollback(plan, prior) {
    if (prior.ebsEncryptionByDefault === true) return { calls: [] };
    return {
      calls: [
        { service: "ec2", operation: "DisableEbsEncryptionByDefault", region: plan.target.region, input: {} },
      ],
    };
  },
};
