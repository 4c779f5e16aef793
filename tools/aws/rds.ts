import {
  type DBInstance,
  type DBSnapshot,
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

export const rdsSpec: ServiceSpec = { service: "rds", global: false, resources: [instances, snapshots] };

/** RDS DB instances and the account's own DB snapshots (with who may restore them). */
export const rdsCollector = specCollector(rdsSpec);
