import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

export const KINESIS_MANAGED_KEY = "alias/aws/kinesis";

function encryption(
  operation: "StartStreamEncryption" | "StopStreamEncryption",
  stream: { StreamARN?: string; StreamName?: string },
  region: string,
  keyId: string,
): PlannedCall {
  return { service: "kinesis", operation, region, input: { ...stream, EncryptionType: "KMS", KeyId: keyId } };
}

/** Turns on server-side encryption of a data stream with a KMS key (the AWS managed key by default). */
export const kinesisEnableEncryption: RemediationAction<{ keyId: string }> = {
  id: "kinesis_enable_encryption",
  title: "Encrypt the Kinesis data stream at rest with KMS",
  description:
    "Starts server-side encryption of the stream (StartStreamEncryption, type KMS) with alias/aws/kinesis unless a key is given; records written from then on are encrypted.",
  resourceTypes: ["AWS::Kinesis::Stream"],
  fixes: ["kinesis_stream_encrypted_at_rest"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: encryption is stopped again (StopStreamEncryption with the same key); records written meanwhile stay encrypted and readable.",
  operations: {
    write: ["kinesis:StartStreamEncryption", "kinesis:StopStreamEncryption"],
    read: ["kinesis:DescribeStreamSummary"],
  },
  params: z
    .object({
      /** Key id, ARN or alias; producers and consumers need kms:GenerateDataKey / kms:Decrypt on a customer key. */
      keyId: z.string().min(1).default(KINESIS_MANAGED_KEY),
    })
    .strict(),
  plan(item, p) {
    const summary = readable(item.supplementaryConfiguration.summary, "the stream's summary") as
      | { streamStatus?: unknown; encryptionType?: unknown }
      | null
      | undefined;
    if (!summary) throw new PlanError("the scan recorded no summary for this stream");
    if (typeof summary.streamStatus === "string" && summary.streamStatus !== "ACTIVE") {
      throw new PlanError(
        `the stream is ${summary.streamStatus}; Kinesis accepts encryption changes only while it is ACTIVE`,
      );
    }
    const target = targetOf(item);
    const arn = item.arn || (item.configuration.streamARN as string | undefined);
    const stream = arn ? { StreamARN: arn } : { StreamName: target.resourceId };
    const notes = [
      "The stream is UPDATING for a few seconds while encryption starts; reads and writes continue.",
      "Records already in the stream stay unencrypted until they expire.",
    ];
    if (p.keyId !== KINESIS_MANAGED_KEY)
      notes.push(
        `Producers need kms:GenerateDataKey and consumers kms:Decrypt on ${p.keyId}, or their calls fail.`,
      );
    return {
      target,
      calls: [encryption("StartStreamEncryption", stream, target.region, p.keyId)],
      before: {
        encryptionType: typeof summary.encryptionType === "string" ? summary.encryptionType : "NONE",
      },
      after: { encryptionType: "KMS" },
      notes,
    };
  },
  async read(exec, plan) {
    const { StreamARN, StreamName } = plan.calls[0]!.input as { StreamARN?: string; StreamName?: string };
    const answer = await exec({
      service: "kinesis",
      operation: "DescribeStreamSummary",
      region: plan.target.region,
      input: StreamARN ? { StreamARN } : { StreamName },
    });
    const d = answer.StreamDescriptionSummary as { EncryptionType?: string } | undefined;
    return { encryptionType: d?.EncryptionType ?? "NONE" };
  },
  rollback(plan, prior) {
    if (prior.encryptionType === "KMS") return { calls: [] };
    const call = plan.calls[0]!;
    const { StreamARN, StreamName, KeyId } = call.input as {
      StreamARN?: string;
      StreamName?: string;
      KeyId: string;
    };
    return {
      calls: [
        encryption("StopStreamEncryption", StreamARN ? { StreamARN } : { StreamName }, call.region, KeyId),
      ],
    };
  },
};
