import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, sameValue, targetOf } from "../util.ts";

export const SNS_MANAGED_KEY = "alias/aws/sns";

function setKey(topicArn: string, region: string, keyId: string): PlannedCall {
  return {
    service: "sns",
    operation: "SetTopicAttributes",
    region,
    input: { TopicArn: topicArn, AttributeName: "KmsMasterKeyId", AttributeValue: keyId },
  };
}

/** AWS service principals the topic policy lets publish (CloudWatch alarms, EventBridge, S3 events, …). */
function servicePrincipals(policy: unknown): string[] {
  if (!policy || typeof policy !== "object") return [];
  const raw = (policy as { Statement?: unknown }).Statement;
  const statements = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const found = new Set<string>();
  for (const s of statements as { Effect?: unknown; Principal?: unknown }[]) {
    if (s?.Effect !== "Allow" || !s.Principal || typeof s.Principal !== "object") continue;
    const service = (s.Principal as { Service?: unknown }).Service;
    for (const name of Array.isArray(service) ? service : [service])
      if (typeof name === "string") found.add(name);
  }
  return [...found].sort();
}

/** Turns on server-side encryption of the topic with a KMS key (the AWS managed key by default). */
export const snsTopicEnableEncryption: RemediationAction<{ keyId: string }> = {
  id: "sns_topic_enable_encryption",
  title: "Encrypt the SNS topic at rest with KMS",
  description:
    "Sets the topic's KmsMasterKeyId (alias/aws/sns unless a key is given), so SNS stores published messages encrypted with that key.",
  resourceTypes: ["AWS::SNS::Topic"],
  fixes: ["sns_topic_encrypted_kms"],
  risk: "medium",
  reversible: true,
  rollbackNote:
    "Reversible: KmsMasterKeyId is cleared again (or the previous key is put back), which turns encryption at rest off.",
  operations: { write: ["sns:SetTopicAttributes"], read: ["sns:GetTopicAttributes"] },
  params: z
    .object({
      /** Key id, ARN or alias; a customer managed key is needed when AWS services publish to the topic. */
      keyId: z.string().min(1).default(SNS_MANAGED_KEY),
    })
    .strict(),
  plan(item, p) {
    const attributes = readable(item.supplementaryConfiguration.attributes, "the topic's attributes") as
      | { kmsMasterKeyId?: unknown; policy?: unknown }
      | null
      | undefined;
    if (!attributes) throw new PlanError("the scan recorded no attributes for this topic");
    const policy = readable(attributes.policy, "the topic's access policy");
    if (policy && typeof policy === "object" && "$raw" in policy) {
      throw new PlanError(
        "the topic's access policy is not valid JSON, so the publishers it allows cannot be told",
      );
    }
    const services = servicePrincipals(policy);
    if (p.keyId === SNS_MANAGED_KEY && services.length > 0) {
      throw new PlanError(
        `the topic's policy lets ${services.join(", ")} publish, and AWS services cannot use the AWS managed key ${SNS_MANAGED_KEY} (its key policy cannot be changed); give keyId a customer managed key whose policy allows those services kms:GenerateDataKey* and kms:Decrypt`,
      );
    }
    const target = targetOf(item);
    const current = typeof attributes.kmsMasterKeyId === "string" ? attributes.kmsMasterKeyId : null;
    return {
      target,
      calls: [setKey(target.resourceId, target.region, p.keyId)],
      before: { kmsMasterKeyId: current || null },
      after: { kmsMasterKeyId: p.keyId },
      notes: [
        "Publishers need kms:GenerateDataKey* and kms:Decrypt on the key; IAM principals of this account have them on the AWS managed key.",
        "Publishers outside the account and AWS services (CloudWatch alarms, EventBridge, S3 notifications) can only publish with a customer managed key that allows them.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "sns",
      operation: "GetTopicAttributes",
      region: plan.target.region,
      input: { TopicArn: plan.target.resourceId },
    });
    const attributes = (answer.Attributes as Record<string, string> | undefined) ?? {};
    return { kmsMasterKeyId: attributes.KmsMasterKeyId || null };
  },
  rollback(plan, prior) {
    const previous = typeof prior.kmsMasterKeyId === "string" ? prior.kmsMasterKeyId : "";
    if (sameValue(previous || null, plan.after.kmsMasterKeyId)) return { calls: [] };
    return { calls: [setKey(plan.target.resourceId, plan.target.region, previous)] };
  },
};
