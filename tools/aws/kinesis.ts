import {
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  type StreamSummary,
} from "@aws-sdk/client-kinesis";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * Kinesis data streams of the region. The listing's summaries carry name, ARN, status and capacity mode; per
 * stream DescribeStreamSummary adds what the checks read: encryption type and key, retention hours, shard count
 * and consumer count. (Older answers without `StreamSummaries` name the streams only; those are read by name.)
 */
const streams = resource({
  resourceType: "AWS::Kinesis::Stream",
  client: "kinesis",
  list: {
    action: "kinesis:ListStreams",
    command: ListStreamsCommand,
    paging: { input: "NextToken", output: "NextToken" },
    items: (page): StreamSummary[] =>
      page.StreamSummaries?.length
        ? page.StreamSummaries
        : (page.StreamNames ?? []).map((StreamName) => ({ StreamName }) as StreamSummary),
  },
  id: (s: StreamSummary) => s.StreamName,
  arn: (s, ctx) =>
    s.StreamARN ?? `arn:${ctx.partition}:kinesis:${ctx.region}:${ctx.accountId}:stream/${s.StreamName}`,
  configuration: (s) => lowerCamelKeys(s),
  details: [
    detail({
      key: "summary",
      action: "kinesis:DescribeStreamSummary",
      command: DescribeStreamSummaryCommand,
      input: (s: StreamSummary) => (s.StreamARN ? { StreamARN: s.StreamARN } : { StreamName: s.StreamName }),
      pick: (answer) => {
        const d = answer.StreamDescriptionSummary;
        if (!d) return null;
        return {
          streamStatus: d.StreamStatus ?? null,
          streamModeDetails: d.StreamModeDetails ? lowerCamelKeys(d.StreamModeDetails) : null,
          // Kinesis answers NONE or KMS; a stream never encrypted may leave the field out.
          encryptionType: d.EncryptionType ?? "NONE",
          keyId: d.KeyId ?? null,
          retentionPeriodHours: d.RetentionPeriodHours ?? null,
          openShardCount: d.OpenShardCount ?? null,
          consumerCount: d.ConsumerCount ?? null,
        };
      },
    }),
  ],
});

export const kinesisSpec: ServiceSpec = { service: "kinesis", global: false, resources: [streams] };

/** Kinesis Data Streams per region: encryption at rest, its key, retention and capacity mode of each stream. */
export const kinesisCollector = specCollector(kinesisSpec);
