import {
  DescribeScalableTargetsCommand,
  type ScalableTarget,
} from "@aws-sdk/client-application-auto-scaling";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import type { CollectorContext } from "./collector.ts";
import { tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const tableArn = (name: string, ctx: CollectorContext) =>
  `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;

/**
 * Item counts and sizes are samples DynamoDB refreshes every few hours, not configuration: left out so that an
 * unchanged table keeps its content hash.
 */
function withoutSamples(table: TableDescription): object {
  const {
    ItemCount: _items,
    TableSizeBytes: _size,
    GlobalSecondaryIndexes,
    LocalSecondaryIndexes,
    ...rest
  } = table;
  const strip = <T extends { ItemCount?: number; IndexSizeBytes?: number }>(index: T) => {
    const { ItemCount: _n, IndexSizeBytes: _b, ...kept } = index;
    return kept;
  };
  return {
    ...rest,
    ...(GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: GlobalSecondaryIndexes.map(strip) } : {}),
    ...(LocalSecondaryIndexes ? { LocalSecondaryIndexes: LocalSecondaryIndexes.map(strip) } : {}),
  };
}

/**
 * Tables of the region, named by table name (as AWS Config does). ListTables gives only names; per table we read
 * DescribeTable (key schema, billing mode, provisioned throughput, SSE description with its key, deletion
 * protection, indexes, streams), DescribeContinuousBackups (point-in-time recovery) and ListTagsOfResource.
 */
const tables = resource({
  resourceType: "AWS::DynamoDB::Table",
  client: "dynamodb",
  list: {
    action: "dynamodb:ListTables",
    command: ListTablesCommand,
    paging: { input: "ExclusiveStartTableName", output: "LastEvaluatedTableName" },
    items: (page) => page.TableNames,
  },
  id: (name: string) => name,
  arn: (name, ctx) => tableArn(name, ctx),
  configuration: (name, ctx) => ({ tableName: name, tableArn: tableArn(name, ctx) }),
  details: [
    detail({
      key: "table",
      action: "dynamodb:DescribeTable",
      command: DescribeTableCommand,
      input: (name: string) => ({ TableName: name }),
      // lowerCamel of AWS's own fields (`sseDescription.sseType`, `billingModeSummary.billingMode`, …). A table
      // without SSEDescription is encrypted with an AWS owned key; the default `null` keeps that readable.
      pick: (answer) => ({
        sseDescription: null,
        deletionProtectionEnabled: false,
        billingModeSummary: null,
        ...lowerCamelKeys<Record<string, unknown>>(withoutSamples(answer.Table ?? {})),
      }),
    }),
    detail({
      key: "continuousBackups",
      action: "dynamodb:DescribeContinuousBackups",
      command: DescribeContinuousBackupsCommand,
      input: (name: string) => ({ TableName: name }),
      pick: (answer) => {
        const d = answer.ContinuousBackupsDescription;
        const pitr = d?.PointInTimeRecoveryDescription;
        return {
          continuousBackupsStatus: d?.ContinuousBackupsStatus ?? null,
          pointInTimeRecoveryStatus: pitr?.PointInTimeRecoveryStatus ?? null,
          recoveryPeriodInDays: pitr?.RecoveryPeriodInDays ?? null,
          earliestRestorableDateTime: pitr?.EarliestRestorableDateTime?.toISOString() ?? null,
          latestRestorableDateTime: pitr?.LatestRestorableDateTime?.toISOString() ?? null,
        };
      },
    }),
  ],
  tagsCall: detail({
    key: "tags",
    action: "dynamodb:ListTagsOfResource",
    command: ListTagsOfResourceCommand,
    paging: { input: "NextToken", output: "NextToken" },
    input: (name: string, ctx) => ({ ResourceArn: tableArn(name, ctx) }),
    pick: (answer) => tagMap(answer.Tags),
  }),
});

/**
 * Application Auto Scaling targets of the DynamoDB namespace, read once per region (not once per table): the
 * autoscaling check joins a provisioned table (`table/NAME`) and its global secondary indexes
 * (`table/NAME/index/INDEX`) with their read and write targets.
 */
const scalableTargets = resource({
  resourceType: "AWS::ApplicationAutoScaling::ScalableTarget",
  client: "applicationautoscaling",
  list: {
    action: "application-autoscaling:DescribeScalableTargets",
    command: DescribeScalableTargetsCommand,
    input: { ServiceNamespace: "dynamodb" },
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.ScalableTargets,
  },
  id: (t: ScalableTarget) =>
    t.ResourceId && t.ScalableDimension ? `${t.ResourceId}|${t.ScalableDimension}` : undefined,
  name: (t) => `${t.ResourceId} ${t.ScalableDimension}`,
  arn: (t, ctx) =>
    t.ScalableTargetARN ??
    `arn:${ctx.partition}:application-autoscaling:${ctx.region}:${ctx.accountId}:scalable-target/${t.ResourceId}|${t.ScalableDimension}`,
  configuration: (t) => lowerCamelKeys(t),
});

export const dynamodbSpec: ServiceSpec = {
  service: "dynamodb",
  global: false,
  resources: [tables, scalableTargets],
};

/** Amazon DynamoDB per region: tables (encryption, deletion protection, billing, PITR, tags) and their autoscaling targets. */
export const dynamodbCollector = specCollector(dynamodbSpec);
