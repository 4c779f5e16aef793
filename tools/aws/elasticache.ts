import {
  type CacheCluster,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import { resource, type ServiceSpec, specCollector } from "./spec.ts";

const MARKER = { input: "Marker", output: "Marker" };

/**
 * Replication groups (Redis OSS and Valkey, cluster mode on or off): encryption at rest and in transit, AUTH,
 * automatic failover, Multi-AZ, snapshot retention and the member clusters. Everything the checks read is in the
 * listing; no per-group call is made.
 */
const replicationGroups = resource({
  resourceType: "AWS::ElastiCache::ReplicationGroup",
  client: "elasticache",
  list: {
    action: "elasticache:DescribeReplicationGroups",
    command: DescribeReplicationGroupsCommand,
    paging: MARKER,
    items: (page) => page.ReplicationGroups,
  },
  id: (g: ReplicationGroup) => g.ReplicationGroupId,
  arn: (g, ctx) =>
    g.ARN ??
    `arn:${ctx.partition}:elasticache:${ctx.region}:${ctx.accountId}:replicationgroup:${g.ReplicationGroupId}`,
});

/**
 * Cache clusters (nodes of a replication group, standalone Redis OSS/Valkey clusters and Memcached clusters):
 * engine and version, minor version upgrades, subnet group, snapshot retention. Node details are not asked for.
 */
const cacheClusters = resource({
  resourceType: "AWS::ElastiCache::CacheCluster",
  client: "elasticache",
  list: {
    action: "elasticache:DescribeCacheClusters",
    command: DescribeCacheClustersCommand,
    paging: MARKER,
    items: (page) => page.CacheClusters,
  },
  id: (c: CacheCluster) => c.CacheClusterId,
  arn: (c, ctx) =>
    c.ARN ?? `arn:${ctx.partition}:elasticache:${ctx.region}:${ctx.accountId}:cluster:${c.CacheClusterId}`,
});

export const elasticacheSpec: ServiceSpec = {
  service: "elasticache",
  global: false,
  resources: [replicationGroups, cacheClusters],
};

/** Amazon ElastiCache per region: replication groups and cache clusters. */
export const elasticacheCollector = specCollector(elasticacheSpec);
