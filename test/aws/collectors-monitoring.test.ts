/**
 * CloudWatch Logs, CloudWatch and SNS collectors: against moto (a random account of this file's own), then with
 * stubbed SDK answers for the failure paths moto cannot produce (a denied detail call → `$error` marker, a
 * denied listing → coverage gap).
 */

import {
  CreateTrailCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from "@aws-sdk/client-cloudtrail";
import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { beforeAll, describe, expect, it } from "vitest";
import { CIS_FILTER_PATTERNS } from "../../scripts/cis-monitoring-patterns.ts";
import { BROKEN_CLASSES, MONITORING_REGION, seedMonitoring } from "../../scripts/seed-monitoring.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { cloudwatchCollector } from "../../tools/aws/cloudwatch.ts";
import { discoverAccount } from "../../tools/aws/discover.ts";
import { logsCollector } from "../../tools/aws/logs.ts";
import { snsCollector } from "../../tools/aws/sns.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, byName, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const REGION = "us-east-1";
const denied = () => awsError("AccessDeniedException", "not authorized", 400);

serviceDescribe("moto", "monitoring collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId, "monitoring-collectors");
  const config = { endpoint, region: REGION, credentials };
  let items: ConfigurationItem[];
  let topicArn: string;

  beforeAll(async () => {
    const logs = new CloudWatchLogsClient(config);
    const cw = new CloudWatchClient(config);
    const sns = new SNSClient(config);
    await logs.send(
      new CreateLogGroupCommand({
        logGroupName: "trail-events",
        kmsKeyId: `arn:aws:kms:${REGION}:${accountId}:key/11111111-2222-3333-4444-555555555555`,
        tags: { Team: "security" },
      }),
    );
    await logs.send(new PutRetentionPolicyCommand({ logGroupName: "trail-events", retentionInDays: 365 }));
    await logs.send(new CreateLogGroupCommand({ logGroupName: "app-forever" }));
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: "trail-events",
        filterName: "root-usage",
        filterPattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
        metricTransformations: [{ metricName: "RootUsage", metricNamespace: "CIS", metricValue: "1" }],
      }),
    );
    topicArn = (await sns.send(new CreateTopicCommand({ Name: "security-alerts" }))).TopicArn!;
    // moto confirms a lambda subscription at once (the function need not exist there).
    const fn = `arn:aws:lambda:${REGION}:${accountId}:function:alert-sink`;
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "lambda", Endpoint: fn }));
    await sns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: "https",
        Endpoint: "https://hooks.example.com/t0ken",
      }),
    );
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "root-usage",
        MetricName: "RootUsage",
        Namespace: "CIS",
        Statistic: "Sum",
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: [topicArn],
      }),
    );
    const result = await discoverAccount({
      endpoint,
      credentials,
      regions: [REGION],
      services: ["logs", "cloudwatch", "sns"],
      maxAttempts: 2,
    });
    expect(result.coverageGaps).toEqual([]);
    items = result.items;
  }, 120_000);

  it("records log groups with retention, KMS key and tags", () => {
    const group = byName(items, "AWS::Logs::LogGroup", "trail-events", REGION);
    expect(group.arn).toBe(`arn:aws:logs:${REGION}:${accountId}:log-group:trail-events`);
    expect(group.configuration).toMatchObject({
      logGroupName: "trail-events",
      retentionInDays: 365,
      kmsKeyId: expect.stringContaining(":key/11111111"),
    });
    expect(group.tags).toEqual({ Team: "security" });
    const forever = byName(items, "AWS::Logs::LogGroup", "app-forever", REGION);
    expect(forever.configuration).toMatchObject({ retentionInDays: null, kmsKeyId: null });
  });

  it("records metric filters with their pattern and metric", () => {
    const filter = byName(items, "AWS::Logs::MetricFilter", "root-usage", REGION);
    expect(filter.resourceId).toBe("trail-events:root-usage");
    expect(filter.configuration).toMatchObject({
      logGroupName: "trail-events",
      filterPattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
      metricTransformations: [{ metricName: "RootUsage", metricNamespace: "CIS", metricValue: "1" }],
    });
  });

  it("records alarms with metric, actions and state", () => {
    const alarm = byName(items, "AWS::CloudWatch::Alarm", "root-usage", REGION);
    expect(alarm.configuration).toMatchObject({
      metricName: "RootUsage",
      namespace: "CIS",
      alarmActions: [topicArn],
      actionsEnabled: true,
    });
    expect(typeof alarm.configuration.stateValue).toBe("string");
  });

  it("records topics with attributes and subscriptions, endpoints left out", () => {
    const topic = byName(items, "AWS::SNS::Topic", "security-alerts", REGION);
    expect(topic.resourceId).toBe(topicArn);
    expect(topic.supplementaryConfiguration.attributes).toMatchObject({
      kmsMasterKeyId: null,
      owner: accountId,
      policy: expect.objectContaining({ Statement: expect.any(Array) }),
    });
    const subs = topic.supplementaryConfiguration.subscriptions as Array<Record<string, unknown>>;
    expect(subs.map((s) => s.protocol).sort()).toEqual(["https", "lambda"]);
    expect(subs.find((s) => s.protocol === "lambda")).toMatchObject({ confirmed: true });
    expect(JSON.stringify(topic)).not.toContain("t0ken");
    expect(ofType(items, "AWS::SNS::Topic")).toHaveLength(1);
  });
});

describe("monitoring collectors with stubbed answers", () => {
  const topic = "arn:aws:sns:us-east-1:111122223333:alerts";

  it("marks a denied SNS detail call as $error, not a missing field", async () => {
    const { ctx, gaps } = stubContext({
      "sns:ListTopics": () => ({ Topics: [{ TopicArn: topic }] }),
      "sns:GetTopicAttributes": denied,
      // Documented answer shape: an unconfirmed subscription's ARN is the literal "PendingConfirmation".
      "sns:ListSubscriptionsByTopic": (input) =>
        input.NextToken
          ? { Subscriptions: [{ SubscriptionArn: `${topic}:abc`, Protocol: "lambda", Endpoint: "arn:x" }] }
          : {
              Subscriptions: [
                { SubscriptionArn: "PendingConfirmation", Protocol: "email", Endpoint: "a@b.c" },
              ],
              NextToken: "p2",
            },
      "sns:ListTagsForResource": () => ({ Tags: [{ Key: "Team", Value: "sec" }] }),
    });
    const [item] = await snsCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(isCallError(item?.supplementaryConfiguration.attributes)).toBe(true);
    expect(item?.supplementaryConfiguration.subscriptions).toEqual([
      { subscriptionArn: "PendingConfirmation", protocol: "email", confirmed: false },
      { subscriptionArn: `${topic}:abc`, protocol: "lambda", confirmed: true },
    ]);
    expect(JSON.stringify(item)).not.toContain("a@b.c");
    expect(item?.tags).toEqual({ Team: "sec" });
  });

  it("records a denied listing as a coverage gap and invents nothing", async () => {
    const { ctx, gaps } = stubContext({
      "logs:DescribeLogGroups": denied,
      "logs:DescribeMetricFilters": denied,
    });
    expect(await logsCollector.collect(ctx)).toEqual([]);
    expect(gaps.map((g) => g.what).sort()).toEqual(["DescribeLogGroups", "DescribeMetricFilters"]);
    const cw = stubContext({ "cloudwatch:DescribeAlarms": denied });
    expect(await cloudwatchCollector.collect(cw.ctx)).toEqual([]);
    expect(cw.gaps.map((g) => g.what)).toEqual(["DescribeAlarms"]);
  });

  it("marks denied log group tags as $error and keeps the group", async () => {
    const { ctx } = stubContext({
      "logs:DescribeLogGroups": () => ({
        logGroups: [{ logGroupName: "g", arn: "arn:aws:logs:us-east-1:111122223333:log-group:g:*" }],
      }),
      "logs:DescribeMetricFilters": () => ({ metricFilters: [] }),
      "logs:ListTagsForResource": denied,
    });
    const [group] = await logsCollector.collect(ctx);
    expect(group?.arn).toBe("arn:aws:logs:us-east-1:111122223333:log-group:g");
    expect(isCallError(group?.supplementaryConfiguration.tags)).toBe(true);
  });
});

serviceDescribe("moto", "seeded monitoring chain, discovered and evaluated", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId, "monitoring-seed");
  const findings = new Map<string, { status: string; reason: string }>();
  const verdict = (checkId: string, resourceName: string) => {
    const found = findings.get(`${checkId}|${resourceName}`);
    if (!found) throw new Error(`no finding of ${checkId} on ${resourceName}`);
    return found;
  };

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const sets = new Map<string, AwsClientSet>();
    const clients = (region: string) => {
      let set = sets.get(region);
      if (!set) {
        set = new AwsClientSet(
          region,
          () => ({ region, endpoint, credentials, maxAttempts: 2, retryMode: "standard" }),
          createClient,
          counter,
        );
        sets.set(region, set);
      }
      return set;
    };
    const home = clients(MONITORING_REGION);
    const bucket = `trail-${accountId}`;
    await home.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await home.cloudtrail.send(
      new CreateTrailCommand({
        Name: "audit",
        S3BucketName: bucket,
        IsMultiRegionTrail: true,
        CloudWatchLogsLogGroupArn: `arn:aws:logs:${MONITORING_REGION}:${accountId}:log-group:audit-events:*`,
        CloudWatchLogsRoleArn: `arn:aws:iam::${accountId}:role/trail-to-logs`,
      }),
    );
    await home.cloudtrail.send(new StartLoggingCommand({ Name: "audit" }));
    await home.cloudtrail.send(
      new PutEventSelectorsCommand({
        TrailName: "audit",
        EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
      }),
    );
    await seedMonitoring({ clients, accountId, logGroupName: "audit-events" });
    for (const set of sets.values()) set.destroy();

    const result = await discoverAccount({
      endpoint,
      credentials,
      regions: [MONITORING_REGION],
      services: ["cloudtrail", "logs", "cloudwatch", "sns"],
      maxAttempts: 2,
    });
    expect(result.coverageGaps).toEqual([]);
    const settings = await loadSettings(SETTINGS_FILE);
    const checks = await loadChecks(
      { builtinDir: BUILTIN_CHECKS_DIR },
      { settings, evaluators: builtinEvaluators() },
    );
    const ctx = createContext(result.items, settings, new Date());
    for (const compiled of checks) {
      if (!["logs", "cloudwatch", "sns"].includes(compiled.check.service)) continue;
      for (const item of ctx.itemsOfType(compiled.check.resourceType, accountId)) {
        const v = evaluateOne(compiled, item, ctx);
        if (v) findings.set(`${compiled.check.id}|${item.resourceName ?? item.resourceId}`, v);
      }
    }
  }, 180_000);

  it("passes every compliant section-4 chain and fails each broken one at its link", () => {
    for (const key of Object.keys(CIS_FILTER_PATTERNS)) {
      const v = verdict(`cloudwatch_log_metric_filter_${key}`, accountId);
      expect(v.status, `${key}: ${v.reason}`).toBe(key in BROKEN_CLASSES ? "FAIL" : "PASS");
    }
    expect(verdict("cloudwatch_log_metric_filter_vpc_changes", accountId).reason).toContain("over-broad");
    expect(verdict("cloudwatch_log_metric_filter_network_gateway_changes", accountId).reason).toContain(
      "misses 2 of 6 events",
    );
    expect(verdict("cloudwatch_log_metric_filter_organizations_changes", accountId).reason).toContain(
      "has no alarm action",
    );
    expect(verdict("cloudwatch_log_metric_filter_nacl_changes", accountId).reason).toContain(
      "has no subscriptions",
    );
  });

  it("fails each planted resource-level violation and passes its compliant twin", () => {
    const expectations: Array<[string, string, "PASS" | "FAIL"]> = [
      ["logs_log_group_retention_at_least_setting", "audit-events", "PASS"],
      ["logs_log_group_retention_at_least_setting", "app-debug", "FAIL"],
      ["logs_log_group_retention_configured", "audit-events", "PASS"],
      ["logs_log_group_kms_encrypted", "app-debug", "FAIL"],
      ["logs_metric_filter_has_alarm", "root_usage", "PASS"],
      ["logs_metric_filter_has_alarm", "orphan-errors", "FAIL"],
      ["cloudwatch_alarm_has_action", "root_usage", "PASS"],
      ["cloudwatch_alarm_has_action", "cpu-idle-no-action", "FAIL"],
      ["cloudwatch_alarm_actions_enabled", "root_usage", "PASS"],
      ["cloudwatch_alarm_actions_enabled", "cpu-actions-disabled", "FAIL"],
      ["cloudwatch_alarm_notifies_sns", "root_usage", "PASS"],
      ["cloudwatch_alarm_notifies_sns", "organizations_changes", "FAIL"],
      ["sns_topic_encrypted_kms", "security-alerts", "PASS"],
      ["sns_topic_encrypted_kms", "unheard-alerts", "FAIL"],
      ["sns_topic_policy_not_public", "security-alerts", "PASS"],
      ["sns_topic_policy_not_public", "unheard-alerts", "FAIL"],
      ["sns_topic_has_subscriptions", "security-alerts", "PASS"],
      ["sns_topic_has_subscriptions", "unheard-alerts", "FAIL"],
      ["sns_topic_has_confirmed_subscription", "security-alerts", "PASS"],
      ["sns_subscription_https_only", "security-alerts", "PASS"],
      ["sns_subscription_https_only", "legacy-webhook", "FAIL"],
    ];
    const wrong = expectations
      .map(([id, name, status]) => ({ id, name, status, got: verdict(id, name) }))
      .filter((e) => e.got.status !== e.status)
      .map((e) => `${e.id} on ${e.name}: ${e.got.status} (${e.got.reason}), expected ${e.status}`);
    expect(wrong).toEqual([]);
  });
});
