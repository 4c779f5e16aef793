/**
 * Demo seeding of the CIS section-4 monitoring chain (CloudWatch Logs, CloudWatch, SNS) in us-east-1, called
 * once from the demo seeder. It relies on the multi-region trail the demo seeder creates, which delivers to
 * `logGroupName`.
 *
 * What is planted (and what the checks must say):
 * - compliant: the trail's log group (365 days, KMS) with CIS's own filter for each class, an alarm per filter
 *   notifying topic `security-alerts` (KMS, owner-only policy, a confirmed lambda subscription) → PASS, except:
 * - broken classes, each at a different link → FAIL:
 *   vpc_changes: over-broad filter (`$.eventSource = ec2.amazonaws.com`, which also counts every Describe*);
 *   network_gateway_changes: partial filter (misses DetachInternetGateway and DeleteCustomerGateway);
 *   organizations_changes: the alarm has no action;
 *   nacl_changes: the alarm notifies topic `unheard-alerts`, which has no subscription;
 * - resource-level twins: log group `app-debug` (3 days, no KMS) next to the trail's; alarm `cpu-idle-no-action`
 *   (no action) and `cpu-actions-disabled` next to the compliant ones; topic `unheard-alerts` (no KMS, public
 *   policy, no subscription) and `legacy-webhook` (an http subscription) next to `security-alerts`; metric filter
 *   `orphan-errors` with no alarm.
 * moto confirms lambda subscriptions at once (the function need not exist) and keeps no e-mail pending state
 * we could rely on, so "pending" is covered by the fixtures, not here.
 */
import { PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import {
  CreateLogGroupCommand,
  PutMetricFilterCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateTopicCommand, SetTopicAttributesCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import type { AwsClientSet } from "../tools/aws/clients.ts";
import { CIS_FILTER_PATTERNS } from "./cis-monitoring-patterns.ts";

export const MONITORING_REGION = "us-east-1";
export const MONITORING_NAMESPACE = "CISBenchmark";

/** The classes planted broken, and how (see the module comment). */
export const BROKEN_CLASSES: Readonly<Record<string, string>> = {
  vpc_changes: "over-broad filter",
  network_gateway_changes: "filter misses events",
  organizations_changes: "alarm without action",
  nacl_changes: "topic without subscription",
};

export interface MonitoringSeedOptions {
  clients: (region: string) => AwsClientSet;
  accountId: string;
  /** The log group the demo's multi-region trail delivers to. */
  logGroupName: string;
  /** A KMS key ARN of the region for the log group and the topic. */
  kmsKeyArn?: string;
  count?: (kind: string, n?: number) => void;
}

export async function seedMonitoring(options: MonitoringSeedOptions): Promise<void> {
  const region = MONITORING_REGION;
  const set = options.clients(region);
  const logs = set.get("logs");
  const cloudwatch = set.get("cloudwatch");
  const sns = set.get("sns");
  const count = options.count ?? (() => {});
  const group = options.logGroupName;

  await logs.send(
    new CreateLogGroupCommand({
      logGroupName: group,
      ...(options.kmsKeyArn ? { kmsKeyId: options.kmsKeyArn } : {}),
      tags: { owner: "security" },
    }),
  );
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 365 }));
  await logs.send(new CreateLogGroupCommand({ logGroupName: "app-debug" }));
  await logs.send(new PutRetentionPolicyCommand({ logGroupName: "app-debug", retentionInDays: 3 }));
  count("logs:log-group", 2);

  const alerts = (
    await sns.send(
      new CreateTopicCommand({
        Name: "security-alerts",
        Attributes: { KmsMasterKeyId: options.kmsKeyArn ?? "alias/aws/sns" },
      }),
    )
  ).TopicArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: alerts,
      Protocol: "lambda",
      Endpoint: `arn:aws:lambda:${region}:${options.accountId}:function:security-pager`,
    }),
  );
  const unheard = (await sns.send(new CreateTopicCommand({ Name: "unheard-alerts" }))).TopicArn!;
  await sns.send(
    new SetTopicAttributesCommand({
      TopicArn: unheard,
      AttributeName: "Policy",
      AttributeValue: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Sid: "anyone", Effect: "Allow", Principal: "*", Action: "SNS:Publish", Resource: unheard },
        ],
      }),
    }),
  );
  const webhook = (
    await sns.send(
      new CreateTopicCommand({ Name: "legacy-webhook", Attributes: { KmsMasterKeyId: "alias/aws/sns" } }),
    )
  ).TopicArn!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: webhook,
      Protocol: "http",
      Endpoint: "http://hooks.example.com/legacy",
    }),
  );
  count("sns:topic", 3);

  const filter = async (name: string, pattern: string) => {
    await logs.send(
      new PutMetricFilterCommand({
        logGroupName: group,
        filterName: name,
        filterPattern: pattern,
        metricTransformations: [
          { metricName: name, metricNamespace: MONITORING_NAMESPACE, metricValue: "1" },
        ],
      }),
    );
    count("logs:metric-filter");
  };
  const alarm = async (
    name: string,
    metric: string,
    actions: string[],
    enabled = true,
    namespace = MONITORING_NAMESPACE,
  ) => {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        MetricName: metric,
        Namespace: namespace,
        Statistic: "Sum",
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        AlarmActions: actions,
        ActionsEnabled: enabled,
      }),
    );
    count("cloudwatch:alarm");
  };

  for (const [key, pattern] of Object.entries(CIS_FILTER_PATTERNS)) {
    if (key === "vpc_changes") await filter(key, "{ $.eventSource = ec2.amazonaws.com }");
    else if (key === "network_gateway_changes")
      await filter(
        key,
        "{ ($.eventName = CreateCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) }",
      );
    else await filter(key, pattern);
    const actions = key === "organizations_changes" ? [] : key === "nacl_changes" ? [unheard] : [alerts];
    await alarm(key, key, actions);
  }
  await filter("orphan-errors", '{ $.errorCode = "ThrottlingException" }');
  await alarm("cpu-idle-no-action", "CPUUtilization", [], true, "AWS/EC2");
  await alarm("cpu-actions-disabled", "CPUUtilization", [alerts], false, "AWS/EC2");
}
