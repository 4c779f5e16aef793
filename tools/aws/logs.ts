import {
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  ListTagsForResourceCommand,
  type LogGroup,
  type MetricFilter,
} from "@aws-sdk/client-cloudwatch-logs";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const NEXT_TOKEN = { input: "nextToken", output: "nextToken" };

/** DescribeLogGroups answers `arn` with a trailing `:*`; the log group's own ARN (tags, IAM) is without it. */
function logGroupArn(group: LogGroup, region: string, partition: string, accountId: string): string {
  if (group.logGroupArn) return group.logGroupArn;
  if (group.arn) return group.arn.replace(/:\*$/, "");
  return `arn:${partition}:logs:${region}:${accountId}:log-group:${group.logGroupName}`;
}

const logGroups = resource({
  resourceType: "AWS::Logs::LogGroup",
  client: "logs",
  list: {
    action: "logs:DescribeLogGroups",
    command: DescribeLogGroupsCommand,
    paging: NEXT_TOKEN,
    items: (page) => page.logGroups,
  },
  id: (g: LogGroup) => g.logGroupName,
  arn: (g, ctx) => logGroupArn(g, ctx.region, ctx.partition, ctx.accountId),
  // `retentionInDays` is absent when events never expire; null says so explicitly to the checks.
  configuration: (g) => ({
    ...lowerCamelKeys(g),
    retentionInDays: g.retentionInDays ?? null,
    kmsKeyId: g.kmsKeyId ?? null,
  }),
  tagsCall: detail({
    key: "tags",
    action: "logs:ListTagsForResource",
    command: ListTagsForResourceCommand,
    input: (g: LogGroup, ctx) => ({ resourceArn: logGroupArn(g, ctx.region, ctx.partition, ctx.accountId) }),
    pick: (answer) => answer.tags ?? {},
  }),
});

/**
 * Metric filters of every log group of the region (one paged listing, not one per group). They have no ARN of
 * their own; the recorded one is the log group's ARN with `:metric-filter:NAME` appended, unique per region.
 */
const metricFilters = resource({
  resourceType: "AWS::Logs::MetricFilter",
  client: "logs",
  list: {
    action: "logs:DescribeMetricFilters",
    command: DescribeMetricFiltersCommand,
    paging: NEXT_TOKEN,
    items: (page) => page.metricFilters,
  },
  id: (f: MetricFilter) => (f.logGroupName && f.filterName ? `${f.logGroupName}:${f.filterName}` : undefined),
  name: (f) => f.filterName,
  arn: (f, ctx) =>
    `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${f.logGroupName}:metric-filter:${f.filterName}`,
  configuration: (f) => ({
    filterName: f.filterName ?? null,
    logGroupName: f.logGroupName ?? null,
    filterPattern: f.filterPattern ?? "",
    metricTransformations: (f.metricTransformations ?? []).map((t) => lowerCamelKeys(t)),
    creationTime: f.creationTime ?? null,
  }),
});

export const logsSpec: ServiceSpec = {
  service: "logs",
  global: false,
  resources: [logGroups, metricFilters],
};

/** CloudWatch Logs log groups (retention, KMS key, tags) and the metric filters defined on them. */
export const logsCollector = specCollector(logsSpec);
