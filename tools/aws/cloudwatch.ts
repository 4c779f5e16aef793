import { DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * Metric alarms (composite alarms watch other alarms, not a metric, and cannot carry the CIS section-4 chain).
 * The listed object already holds the metric (namespace, name, or the metric-math `metrics`), the actions,
 * whether they are enabled and the current state, so one paged call per region is all it costs.
 */
const alarms = resource({
  resourceType: "AWS::CloudWatch::Alarm",
  client: "cloudwatch",
  list: {
    action: "cloudwatch:DescribeAlarms",
    command: DescribeAlarmsCommand,
    input: { AlarmTypes: ["MetricAlarm"] },
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.MetricAlarms,
  },
  id: (a: MetricAlarm) => a.AlarmName,
  arn: (a, ctx) =>
    a.AlarmArn ?? `arn:${ctx.partition}:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${a.AlarmName}`,
  configuration: (a) => ({
    ...lowerCamelKeys(a),
    metricName: a.MetricName ?? null,
    namespace: a.Namespace ?? null,
    alarmActions: a.AlarmActions ?? [],
    okActions: a.OKActions ?? [],
    insufficientDataActions: a.InsufficientDataActions ?? [],
    actionsEnabled: a.ActionsEnabled ?? null,
    stateValue: a.StateValue ?? null,
  }),
});

export const cloudwatchSpec: ServiceSpec = { service: "cloudwatch", global: false, resources: [alarms] };

/** CloudWatch metric alarms with their metric, actions and state. */
export const cloudwatchCollector = specCollector(cloudwatchSpec);
