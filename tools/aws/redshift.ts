import {
  type Cluster,
  type ClusterParameterGroup,
  DescribeClusterParameterGroupsCommand,
  DescribeClusterParametersCommand,
  DescribeClustersCommand,
  DescribeLoggingStatusCommand,
} from "@aws-sdk/client-redshift";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const MARKER = { input: "Marker", output: "Marker" };

/** The parameters the checks read; a parameter group has about twenty, none of the others is judged. */
export const REDSHIFT_PARAMETERS = ["require_ssl", "use_fips_ssl", "enable_user_activity_logging"];

/**
 * Provisioned clusters of the region: public accessibility, encryption and key, enhanced VPC routing, snapshot
 * retention, version upgrades, master user and database name, port and parameter groups from the listing; audit
 * logging from DescribeLoggingStatus per cluster.
 */
const clusters = resource({
  resourceType: "AWS::Redshift::Cluster",
  client: "redshift",
  list: {
    action: "redshift:DescribeClusters",
    command: DescribeClustersCommand,
    paging: MARKER,
    items: (page) => page.Clusters,
  },
  id: (c: Cluster) => c.ClusterIdentifier,
  arn: (c, ctx) =>
    `arn:${ctx.partition}:redshift:${ctx.region}:${ctx.accountId}:cluster:${c.ClusterIdentifier}`,
  // Tags are the item's `tags`, not configuration.
  configuration: ({ Tags: _tags, ...rest }) => lowerCamelKeys(rest),
  tags: (c) => tagMap(c.Tags),
  details: [
    detail({
      key: "loggingStatus",
      action: "redshift:DescribeLoggingStatus",
      command: DescribeLoggingStatusCommand,
      input: (c: Cluster) => ({ ClusterIdentifier: c.ClusterIdentifier }),
      pick: (answer) => ({
        loggingEnabled: answer.LoggingEnabled ?? false,
        bucketName: answer.BucketName ?? null,
        logDestinationType: answer.LogDestinationType ?? null,
        logExports: answer.LogExports ?? [],
      }),
    }),
  ],
});

/**
 * Cluster parameter groups of the region (the default ones included): one DescribeClusterParameters per group,
 * not per cluster, so the cost follows the number of distinct groups. The clusters' SSL check looks its group
 * up here.
 */
const parameterGroups = resource({
  resourceType: "AWS::Redshift::ClusterParameterGroup",
  client: "redshift",
  list: {
    action: "redshift:DescribeClusterParameterGroups",
    command: DescribeClusterParameterGroupsCommand,
    paging: MARKER,
    items: (page) => page.ParameterGroups,
  },
  id: (g: ClusterParameterGroup) => g.ParameterGroupName,
  arn: (g, ctx) =>
    `arn:${ctx.partition}:redshift:${ctx.region}:${ctx.accountId}:parametergroup:${g.ParameterGroupName}`,
  configuration: ({ Tags: _tags, ...rest }) => lowerCamelKeys(rest),
  tags: (g) => tagMap(g.Tags),
  details: [
    detail({
      key: "parameters",
      action: "redshift:DescribeClusterParameters",
      command: DescribeClusterParametersCommand,
      paging: MARKER,
      input: (g: ClusterParameterGroup) => ({ ParameterGroupName: g.ParameterGroupName }),
      // Name → value of the parameters the checks read (a value AWS leaves out is recorded as null).
      pick: (answer) =>
        (answer.Parameters ?? [])
          .filter((p) => p.ParameterName && REDSHIFT_PARAMETERS.includes(p.ParameterName))
          .map((p) => ({
            parameterName: p.ParameterName!,
            parameterValue: p.ParameterValue ?? null,
            source: p.Source ?? null,
          })),
    }),
  ],
});

export const redshiftSpec: ServiceSpec = {
  service: "redshift",
  global: false,
  resources: [clusters, parameterGroups],
};

/** Amazon Redshift per region: provisioned clusters (with audit logging) and cluster parameter groups. */
export const redshiftCollector = specCollector(redshiftSpec);
