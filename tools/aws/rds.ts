import {
  DescribeDBSnapshotAttributesCommand,
  paginateDescribeDBInstances,
  paginateDescribeDBSnapshots,
} from "@aws-sdk/client-rds";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type Collector, type CollectorContext, item, listing, orCallError, tagMap } from "./collector.ts";
import { collectPages, mapLimit } from "./concurrency.ts";

/** RDS DB instances and the account's own DB snapshots (with who may restore them). */
export const rdsCollector: Collector = {
  service: "rds",
  global: false,
  async collect(ctx) {
    const parts = await Promise.all([
      listing(ctx, "DescribeDBInstances", () => instances(ctx)),
      listing(ctx, "DescribeDBSnapshots", () => snapshots(ctx)),
    ]);
    return parts.flat();
  },
};

async function instances(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const list = await collectPages(
    paginateDescribeDBInstances({ client: ctx.clients.rds }, {}),
    (p) => p.DBInstances,
  );
  return list
    .filter((db) => db.DBInstanceIdentifier)
    .map((db) =>
      item(ctx, {
        resourceType: "AWS::RDS::DBInstance",
        resourceId: db.DBInstanceIdentifier!,
        resourceName: db.DBInstanceIdentifier!,
        arn:
          db.DBInstanceArn ??
          `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:db:${db.DBInstanceIdentifier}`,
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(db),
        supplementaryConfiguration: {},
        tags: tagMap(db.TagList),
      }),
    );
}

async function snapshots(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const rds = ctx.clients.rds;
  // Manual and automated snapshots of this account; shared and public ones of other accounts are not ours.
  const list = await collectPages(paginateDescribeDBSnapshots({ client: rds }, {}), (p) => p.DBSnapshots);
  return mapLimit(
    list.filter((s) => s.DBSnapshotIdentifier),
    ctx.perResourceConcurrency,
    async (snapshot) => {
      // Automated snapshots cannot be shared, so only manual ones can carry a `restore` attribute.
      const restoreAccountIds =
        snapshot.SnapshotType === "automated"
          ? []
          : await orCallError(async () => {
              const answer = await rds.send(
                new DescribeDBSnapshotAttributesCommand({
                  DBSnapshotIdentifier: snapshot.DBSnapshotIdentifier,
                }),
              );
              const restore = answer.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find(
                (a) => a.AttributeName === "restore",
              );
              return restore?.AttributeValues ?? [];
            });
      return item(ctx, {
        resourceType: "AWS::RDS::DBSnapshot",
        resourceId: snapshot.DBSnapshotIdentifier!,
        resourceName: snapshot.DBSnapshotIdentifier!,
        arn:
          snapshot.DBSnapshotArn ??
          `arn:${ctx.partition}:rds:${ctx.region}:${ctx.accountId}:snapshot:${snapshot.DBSnapshotIdentifier}`,
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(snapshot),
        supplementaryConfiguration: { restoreAccountIds },
        tags: tagMap(snapshot.TagList),
      });
    },
  );
}
