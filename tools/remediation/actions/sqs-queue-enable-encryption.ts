import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

function setSse(queueUrl: string, region: string, enabled: boolean): PlannedCall {
  return {
    service: "sqs",
    operation: "SetQueueAttributes",
    region,
    input: { QueueUrl: queueUrl, Attributes: { SqsManagedSseEnabled: enabled ? "true" : "false" } },
  };
}

/** Turns on server-side encryption with SQS managed keys (SSE-SQS) for a queue that has no encryption. */
export const sqsQueueEnableEncryption: RemediationAction = {
  id: "sqs_queue_enable_encryption",
  title: "Turn on SQS managed server-side encryption for the queue",
  description:
    "Sets SqsManagedSseEnabled on the queue, so SQS encrypts message bodies at rest with keys it manages. Producers and consumers need no new permission.",
  resourceTypes: ["AWS::SQS::Queue"],
  fixes: ["sqs_queue_encrypted"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: SSE-SQS is turned off again; messages stored meanwhile stay encrypted and readable until consumed or expired.",
  operations: { write: ["sqs:SetQueueAttributes"], read: ["sqs:GetQueueAttributes"] },
  params: z.object({}).strict(),
  plan(item) {
    const attributes = readable(item.supplementaryConfiguration.attributes, "the queue's attributes") as
      | { sqsManagedSseEnabled?: unknown; kmsMasterKeyId?: unknown }
      | null
      | undefined;
    if (!attributes) throw new PlanError("the scan recorded no attributes for this queue");
    if (typeof attributes.kmsMasterKeyId === "string" && attributes.kmsMasterKeyId !== "") {
      throw new PlanError(
        `the queue is already encrypted with KMS key ${attributes.kmsMasterKeyId}; SSE-SQS would replace it`,
      );
    }
    const target = targetOf(item);
    return {
      target,
      calls: [setSse(target.resourceId, target.region, true)],
      before: { sqsManagedSseEnabled: attributes.sqsManagedSseEnabled === true },
      after: { sqsManagedSseEnabled: true },
      notes: [
        "Messages already in the queue are not re-encrypted; messages sent from now on are.",
        "For a key whose use is logged and limited by a key policy, use SSE-KMS instead (a manual change).",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "sqs",
      operation: "GetQueueAttributes",
      region: plan.target.region,
      input: { QueueUrl: plan.target.resourceId, AttributeNames: ["SqsManagedSseEnabled"] },
    });
    const attributes = (answer.Attributes as Record<string, string> | undefined) ?? {};
    return { sqsManagedSseEnabled: attributes.SqsManagedSseEnabled === "true" };
  },
  rollback(plan, prior) {
    if (prior.sqsManagedSseEnabled === true) return { calls: [] };
    return { calls: [setSse(plan.target.resourceId, plan.target.region, false)] };
  },
};
