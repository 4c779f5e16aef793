import {
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type DBSnapshot,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
} from "@aws-sdk/client-rds";
import { tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const MARKER = { input: "Marker", output: "Marker" };

const instances = resource({
  resourceType: "AWS::RDS::DBInstance",
  client: "rds",
  list: {
    action: "rds:DescribeDBInstances",
    command: DescribeDBInstancesCommand,
    paging: MARKER,
    items: (page) => page.DBInstances,
  },
  id: (db: DBInstance) => db.DBInstanceIdentifier,
  arn: (db, ctx) =>
    db.DBInstanceArn ??
    `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:db:${db.DBInstanceIdentifier}`,
  tags: (db) => tagMap(db.TagList),
});

/** Manual and automated snapshots of this account; shared and public ones of other accounts are not ours. */
const snapshots = resource({
  resourceType: "AWS::RDS::DBSnapshot",
  client: "rds",
  list: {
    action: "rds:DescribeDBSnapshots",
    command: DescribeDBSnapshotsCommand,
    paging: MARKER,
    items: (page) => page.DBSnapshots,
  },
  id: (s: DBSnapshot) => s.DBSnapshotIdentifier,
  arn: (s, ctx) =>
    s.DBSnapshotArn ??
    `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:snapshot:${s.DBSnapshotIdentifier}`,
  tags: (s) => tagMap(s.TagList),
  details: [
    detail({
      key: "restoreAccountIds",
      action: "rds:DescribeDBSnapshotAttributes",
      command: DescribeDBSnapshotAttributesCommand,
      // Automated snapshots cannot be shared, so only manual ones can carry a `restore` attribute.
      when: (s: DBSnapshot) => s.SnapshotType !== "automated",
      otherwise: [],
      input: (s) => ({ DBSnapshotIdentifier: s.DBSnapshotIdentifier }),
      pick: (answer) =>
        answer.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find((a) => a.AttributeName === "restore")
          ?.AttributeValues ?? [],
    }),
  ],
});

/**
 * DB clusters: Aurora (and Multi-AZ DB clusters of RDS for MySQL/PostgreSQL). DescribeDBClusters also answers for
 * DocumentDB and Neptune clusters, which share the RDS API; the cluster checks narrow by engine where it matters.
 */
const clusters = resource({
  resourceType: "AWS::RDS::DBCluster",
  client: "rds",
  list: {
    action: "rds:DescribeDBClusters",
    command: DescribeDBClustersCommand,
    paging: MARKER,
    items: (page) => page.DBClusters,
  },
  id: (c: DBCluster) => c.DBClusterIdentifier,
  arn: (c, ctx) =>
    c.DBClusterArn ??
    `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:cluster:${c.DBClusterIdentifier}`,
  tags: (c) => tagMap(c.TagList),
});

/** The account's own manual and automated DB cluster snapshots, with who may restore the manual ones. */
const clusterSnapshots = resource({
  resourceType: "AWS::RDS::DBClusterSnapshot",
  client: "rds",
  list: {
    action: "rds:DescribeDBClusterSnapshots",
    command: DescribeDBClusterSnapshotsCommand,
    paging: MARKER,
    items: (page) => page.DBClusterSnapshots,
  },
  id: (s: DBClusterSnapshot) => s.DBClusterSnapshotIdentifier,
  arn: (s, ctx) =>
    s.DBClusterSnapshotArn ??
    `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:cluster-snapshot:${s.DBClusterSnapshotIdentifier}`,
  tags: (s) => tagMap(s.TagList),
  details: [
    detail({
      key: "restoreAccountIds",
      action: "rds:DescribeDBClusterSnapshotAttributes",
      command: DescribeDBClusterSnapshotAttributesCommand,
      // As for DB snapshots, only manual cluster snapshots can be shared.
      when: (s: DBClusterSnapshot) => s.SnapshotType !== "automated",
      otherwise: [],
      input: (s) => ({ DBClusterSnapshotIdentifier: s.DBClusterSnapshotIdentifier }),
      pick: (answer) =>
        answer.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find(
          (a) => a.AttributeName === "restore",
        )?.AttributeValues ?? [],
    }),
  ],
});

export const rdsSpec: ServiceSpec = {
  service: "rds",
  global: false,
  resources: [instances, snapshots, clusters, clusterSnapshots],
};

/** RDS DB instances and clusters, and the account's own DB and cluster snapshots (with who may restore them). */
export const rdsCollector = specCollector(rdsSpec);
