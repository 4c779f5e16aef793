import { DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand } from "@aws-sdk/client-firehose";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * ListDeliveryStreams pages by "start after this name" rather than by token. One call with the largest limit AWS
 * allows (10,000) covers a region: the default quota is 5,000 delivery streams per region.
 */
const LIST_LIMIT = 10_000;

/** The destination kinds a DescribeDeliveryStream answer can describe, by the key it uses for each. */
const DESTINATION_KEYS: Record<string, string> = {
  S3DestinationDescription: "S3",
  ExtendedS3DestinationDescription: "ExtendedS3",
  RedshiftDestinationDescription: "Redshift",
  ElasticsearchDestinationDescription: "Elasticsearch",
  AmazonopensearchserviceDestinationDescription: "AmazonOpenSearchService",
  AmazonOpenSearchServerlessDestinationDescription: "AmazonOpenSearchServerless",
  SplunkDestinationDescription: "Splunk",
  HttpEndpointDestinationDescription: "HttpEndpoint",
  SnowflakeDestinationDescription: "Snowflake",
  IcebergDestinationDescription: "Iceberg",
};

/**
 * Firehose delivery streams of the region. The listing names them; DescribeDeliveryStream gives the rest, of
 * which we keep what the checks and an auditor need: status, type (direct PUT or a Kinesis stream / MSK source),
 * server-side encryption (status, key type, key ARN), the source stream and the destinations' kinds. Destination
 * settings (bucket prefixes, endpoint URLs, processing Lambda) are left out.
 */
const deliveryStreams = resource({
  resourceType: "AWS::KinesisFirehose::DeliveryStream",
  client: "firehose",
  list: {
    action: "firehose:ListDeliveryStreams",
    command: ListDeliveryStreamsCommand,
    input: { Limit: LIST_LIMIT },
    items: (page) => page.DeliveryStreamNames,
  },
  id: (name: string) => name,
  arn: (name, ctx) => `arn:${ctx.partition}:firehose:${ctx.region}:${ctx.accountId}:deliverystream/${name}`,
  configuration: (name) => ({ deliveryStreamName: name }),
  details: [
    detail({
      key: "description",
      action: "firehose:DescribeDeliveryStream",
      command: DescribeDeliveryStreamCommand,
      input: (name: string) => ({ DeliveryStreamName: name }),
      pick: (answer) => {
        const d = answer.DeliveryStreamDescription;
        if (!d) return null;
        const encryption = d.DeliveryStreamEncryptionConfiguration;
        const source = d.Source;
        return {
          deliveryStreamArn: d.DeliveryStreamARN ?? null,
          deliveryStreamStatus: d.DeliveryStreamStatus ?? null,
          deliveryStreamType: d.DeliveryStreamType ?? null,
          encryption: {
            // A stream that never had server-side encryption configured answers without the block.
            status: encryption?.Status ?? "DISABLED",
            keyType: encryption?.KeyType ?? null,
            keyArn: encryption?.KeyARN ?? null,
            failureDescription: encryption?.FailureDescription?.Type ?? null,
          },
          source: source
            ? {
                kinesisStreamArn: source.KinesisStreamSourceDescription?.KinesisStreamARN ?? null,
                mskClusterArn: source.MSKSourceDescription?.MSKClusterARN ?? null,
              }
            : null,
          destinationTypes: [
            ...new Set(
              (d.Destinations ?? []).flatMap((dest) =>
                Object.entries(DESTINATION_KEYS)
                  .filter(([key]) => (dest as unknown as Record<string, unknown>)[key] !== undefined)
                  .map(([, kind]) => kind),
              ),
            ),
          ].sort(),
        };
      },
    }),
  ],
});

export const firehoseSpec: ServiceSpec = { service: "firehose", global: false, resources: [deliveryStreams] };

/** Amazon Data Firehose per region: delivery streams with their server-side encryption and destination kinds. */
export const firehoseCollector = specCollector(firehoseSpec);
