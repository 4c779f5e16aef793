/**
 * CIS AWS Foundations section 4 ("Monitoring"): for each monitored event class, the account must have the whole
 * chain — a multi-region CloudTrail trail that is logging and records all management events → the CloudWatch
 * Logs group it delivers to → a metric filter on that group whose pattern covers the class → an alarm on that
 * filter's metric with an action → an SNS topic among those actions with at least one confirmed subscription.
 *
 * "Covers" is decided by matching the parsed pattern (src/engine/metric-filter.ts) against sample CloudTrail
 * events, not by comparing text, so spacing, quoting, term order and equivalent forms do not matter:
 * - every `required` event of the class must match (a filter that misses one of the events CIS names leaves that
 *   change unwatched), and
 * - none of the ORDINARY events below may match. Those are routine, successful calls that no class is about; a
 *   pattern that selects them (`{ $.eventName = * }`, the empty pattern, `{ $.eventSource = ec2.amazonaws.com }`)
 *   would raise its alarm on everyday activity. Such an alarm gets muted or ignored, so it is not the signal the
 *   recommendation asks for, even though it technically counts the class's events.
 * One filter must cover the class on its own (as CIS's audit does): the alarm watches one metric.
 */
import type { ConfigurationItem } from "../../domain/types.ts";
import { type ParsedPattern, parseFilterPattern, patternMatches } from "../metric-filter.ts";
import { isLogging, type Judgement, managementEventsAll, trailName } from "./cloudtrail.ts";
import {
  describePublicAllow,
  publicStatementsIndexed,
  quote,
  statementsOf,
  unreadableReason,
} from "./policy.ts";
import type { EvaluationContext, Evaluator, EvaluatorResult } from "./types.ts";

type CloudTrailEvent = Record<string, unknown>;

/** A management API call as CloudTrail writes it to CloudWatch Logs (only the fields patterns test). */
function apiCall(
  eventSource: string,
  eventName: string,
  extra: Record<string, unknown> = {},
): CloudTrailEvent {
  return {
    eventVersion: "1.09",
    eventSource,
    eventName,
    eventType: "AwsApiCall",
    awsRegion: "us-east-1",
    sourceIPAddress: "203.0.113.10",
    userAgent: "aws-cli/2.15.0",
    userIdentity: { type: "IAMUser", userName: "alice", arn: "arn:aws:iam::111122223333:user/alice" },
    readOnly: false,
    ...extra,
  };
}

function consoleLogin(extra: Record<string, unknown>): CloudTrailEvent {
  return {
    ...apiCall("signin.amazonaws.com", "ConsoleLogin"),
    eventType: "AwsConsoleSignIn",
    ...extra,
  };
}

const calls = (source: string, names: string[]) => names.map((n) => apiCall(source, n));

/** Routine, successful activity that no monitored class is about (see the module comment). */
export const ORDINARY_EVENTS: readonly CloudTrailEvent[] = [
  apiCall("ec2.amazonaws.com", "DescribeInstances", { readOnly: true }),
  apiCall("ec2.amazonaws.com", "DescribeSecurityGroups", { readOnly: true }),
  apiCall("ec2.amazonaws.com", "DescribeVpcs", { readOnly: true }),
  apiCall("s3.amazonaws.com", "ListBuckets", { readOnly: true }),
  apiCall("s3.amazonaws.com", "GetBucketPolicy", { readOnly: true }),
  apiCall("sts.amazonaws.com", "GetCallerIdentity", { readOnly: true }),
  apiCall("iam.amazonaws.com", "ListPolicies", { readOnly: true }),
  apiCall("kms.amazonaws.com", "Encrypt", { readOnly: true }),
  apiCall("cloudtrail.amazonaws.com", "DescribeTrails", { readOnly: true }),
  apiCall("config.amazonaws.com", "DescribeConfigurationRecorders", { readOnly: true }),
  apiCall("organizations.amazonaws.com", "ListAccounts", { readOnly: true }),
  consoleLogin({ responseElements: { ConsoleLogin: "Success" }, additionalEventData: { MFAUsed: "Yes" } }),
];

export interface MonitoredClass {
  /** What the class is about, for reasons ("changes to IAM policies"). */
  title: string;
  /** The CIS AWS Foundations 3.0 recommendation. */
  cis: string;
  /** Events the filter must count: the event names, error codes and fields the recommendation names. */
  required: readonly CloudTrailEvent[];
}

/** The classes of CIS AWS Foundations 3.0 4.1–4.15 (event names and fields are the benchmark's). */
export const MONITORED_CLASSES: Readonly<Record<string, MonitoredClass>> = {
  unauthorized_api_calls: {
    title: "unauthorized API calls",
    cis: "4.1",
    required: [
      apiCall("ec2.amazonaws.com", "RunInstances", { errorCode: "Client.UnauthorizedOperation" }),
      apiCall("ec2.amazonaws.com", "TerminateInstances", { errorCode: "UnauthorizedOperation" }),
      apiCall("s3.amazonaws.com", "GetObject", { errorCode: "AccessDenied" }),
      apiCall("dynamodb.amazonaws.com", "DeleteTable", { errorCode: "AccessDeniedException" }),
    ],
  },
  sign_in_without_mfa: {
    title: "console sign-ins without MFA",
    cis: "4.2",
    required: [
      consoleLogin({ responseElements: { ConsoleLogin: "Success" }, additionalEventData: { MFAUsed: "No" } }),
    ],
  },
  root_usage: {
    title: "use of the root user",
    cis: "4.3",
    required: [
      apiCall("s3.amazonaws.com", "ListBuckets", {
        userIdentity: { type: "Root", arn: "arn:aws:iam::111122223333:root" },
      }),
      {
        ...consoleLogin({
          responseElements: { ConsoleLogin: "Success" },
          additionalEventData: { MFAUsed: "Yes" },
        }),
        userIdentity: { type: "Root", arn: "arn:aws:iam::111122223333:root" },
      },
    ],
  },
  iam_policy_changes: {
    title: "changes to IAM policies",
    cis: "4.4",
    required: calls("iam.amazonaws.com", [
      "DeleteGroupPolicy",
      "DeleteRolePolicy",
      "DeleteUserPolicy",
      "PutGroupPolicy",
      "PutRolePolicy",
      "PutUserPolicy",
      "CreatePolicy",
      "DeletePolicy",
      "CreatePolicyVersion",
      "DeletePolicyVersion",
      "AttachRolePolicy",
      "DetachRolePolicy",
      "AttachUserPolicy",
      "DetachUserPolicy",
      "AttachGroupPolicy",
      "DetachGroupPolicy",
    ]),
  },
  cloudtrail_changes: {
    title: "changes to CloudTrail configuration",
    cis: "4.5",
    required: calls("cloudtrail.amazonaws.com", [
      "CreateTrail",
      "UpdateTrail",
      "DeleteTrail",
      "StartLogging",
      "StopLogging",
    ]),
  },
  console_auth_failures: {
    title: "failed console sign-ins",
    cis: "4.6",
    required: [
      consoleLogin({ errorMessage: "Failed authentication", responseElements: { ConsoleLogin: "Failure" } }),
    ],
  },
  cmk_disable_or_deletion: {
    title: "disabling or scheduled deletion of customer-managed KMS keys",
    cis: "4.7",
    required: calls("kms.amazonaws.com", ["DisableKey", "ScheduleKeyDeletion"]),
  },
  s3_bucket_policy_changes: {
    title: "changes to S3 bucket policies",
    cis: "4.8",
    required: calls("s3.amazonaws.com", [
      "PutBucketAcl",
      "PutBucketPolicy",
      "PutBucketCors",
      "PutBucketLifecycle",
      "PutBucketReplication",
      "DeleteBucketPolicy",
      "DeleteBucketCors",
      "DeleteBucketLifecycle",
      "DeleteBucketReplication",
    ]),
  },
  config_changes: {
    title: "changes to AWS Config configuration",
    cis: "4.9",
    required: calls("config.amazonaws.com", [
      "StopConfigurationRecorder",
      "DeleteDeliveryChannel",
      "PutDeliveryChannel",
      "PutConfigurationRecorder",
    ]),
  },
  security_group_changes: {
    title: "changes to security groups",
    cis: "4.10",
    required: calls("ec2.amazonaws.com", [
      "AuthorizeSecurityGroupIngress",
      "AuthorizeSecurityGroupEgress",
      "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress",
      "CreateSecurityGroup",
      "DeleteSecurityGroup",
    ]),
  },
  nacl_changes: {
    title: "changes to network ACLs",
    cis: "4.11",
    required: calls("ec2.amazonaws.com", [
      "CreateNetworkAcl",
      "CreateNetworkAclEntry",
      "DeleteNetworkAcl",
      "DeleteNetworkAclEntry",
      "ReplaceNetworkAclEntry",
      "ReplaceNetworkAclAssociation",
    ]),
  },
  network_gateway_changes: {
    title: "changes to network gateways",
    cis: "4.12",
    required: calls("ec2.amazonaws.com", [
      "CreateCustomerGateway",
      "DeleteCustomerGateway",
      "AttachInternetGateway",
      "CreateInternetGateway",
      "DeleteInternetGateway",
      "DetachInternetGateway",
    ]),
  },
  route_table_changes: {
    title: "changes to route tables",
    cis: "4.13",
    required: calls("ec2.amazonaws.com", [
      "CreateRoute",
      "CreateRouteTable",
      "ReplaceRoute",
      "ReplaceRouteTableAssociation",
      "DeleteRouteTable",
      "DeleteRoute",
      "DisassociateRouteTable",
    ]),
  },
  vpc_changes: {
    title: "changes to VPCs",
    cis: "4.14",
    required: calls("ec2.amazonaws.com", [
      "CreateVpc",
      "DeleteVpc",
      "ModifyVpcAttribute",
      "AcceptVpcPeeringConnection",
      "CreateVpcPeeringConnection",
      "DeleteVpcPeeringConnection",
      "RejectVpcPeeringConnection",
      "AttachClassicLinkVpc",
      "DetachClassicLinkVpc",
      "DisableVpcClassicLink",
      "EnableVpcClassicLink",
    ]),
  },
  organizations_changes: {
    title: "changes to AWS Organizations",
    cis: "4.15",
    required: calls("organizations.amazonaws.com", [
      "AcceptHandshake",
      "AttachPolicy",
      "CreateAccount",
      "CreateOrganizationalUnit",
      "CreatePolicy",
      "DeclineHandshake",
      "DeleteOrganization",
      "DeleteOrganizationalUnit",
      "DeletePolicy",
      "DetachPolicy",
      "DisablePolicyType",
      "EnablePolicyType",
      "InviteAccountToOrganization",
      "LeaveOrganization",
      "MoveAccount",
      "RemoveAccountFromOrganization",
      "UpdatePolicy",
      "UpdateOrganizationalUnit",
    ]),
  },
};

function eventLabel(e: CloudTrailEvent): string {
  const code = e.errorCode ? ` failing with ${e.errorCode}` : "";
  const who = (e.userIdentity as { type?: string } | undefined)?.type === "Root" ? " by the root user" : "";
  return `${e.eventName}${code}${who}`;
}

export type Coverage = { covers: true } | { covers: false; why: string };

/** Whether a filter pattern covers a class: every required event matches, no ordinary event does. */
export function patternCovers(
  pattern: string | ParsedPattern | null | undefined,
  cls: MonitoredClass,
): Coverage {
  const parsed = typeof pattern === "object" && pattern !== null ? pattern : parseFilterPattern(pattern);
  if (parsed.kind === "unsupported") return { covers: false, why: parsed.reason };
  const broad = ORDINARY_EVENTS.filter((e) => patternMatches(parsed, e));
  if (broad.length > 0)
    return {
      covers: false,
      why: `it is over-broad: it also counts routine events such as ${broad.slice(0, 2).map(eventLabel).join(" and ")}`,
    };
  const missed = cls.required.filter((e) => !patternMatches(parsed, e));
  if (missed.length === cls.required.length)
    return { covers: false, why: `it counts none of the ${cls.title} events` };
  if (missed.length > 0)
    return {
      covers: false,
      why: `it misses ${missed.length} of ${cls.required.length} events: ${missed.slice(0, 4).map(eventLabel).join(", ")}${missed.length > 4 ? ", …" : ""}`,
    };
  return { covers: true };
}

const TRAIL = "AWS::CloudTrail::Trail";
const FILTER = "AWS::Logs::MetricFilter";
const ALARM = "AWS::CloudWatch::Alarm";
const TOPIC = "AWS::SNS::Topic";

/** How far along the chain a candidate got (the deepest broken link is the one reported). */
type Step =
  | { depth: number; broken: string }
  | { depth: number; unknown: string }
  | { pass: string; evidence: Record<string, unknown> };

const LOG_GROUP_ARN = /^arn:[^:]+:logs:([^:]+):(\d{12}):log-group:(.+?)(?::\*)?$/;

function gapText(
  ctx: EvaluationContext,
  service: string,
  region: string,
  accountId: string,
): string | undefined {
  const gaps = ctx.gapsOf(service, accountId, region);
  if (gaps.length === 0) return undefined;
  return `${service} in ${region} could not be read (${gaps.map((g) => g.code ?? g.error).join(", ")})`;
}

interface Transformation {
  metricName?: string;
  metricNamespace?: string;
}

interface AlarmMetric {
  namespace?: string | null;
  metricName?: string | null;
  metrics?: { metricStat?: { metric?: { namespace?: string; metricName?: string } } }[] | null;
}

function alarmWatches(alarm: ConfigurationItem, t: Transformation): boolean {
  const c = alarm.configuration as AlarmMetric;
  if (c.namespace === t.metricNamespace && c.metricName === t.metricName) return true;
  return (c.metrics ?? []).some(
    (m) =>
      m.metricStat?.metric?.namespace === t.metricNamespace &&
      m.metricStat?.metric?.metricName === t.metricName,
  );
}

function topicStep(ctx: EvaluationContext, alarm: ConfigurationItem, actions: string[]): Step {
  const topics = actions.filter((a) => a.startsWith("arn:") && a.split(":")[2] === "sns");
  const name = quote(alarm.resourceId);
  if (topics.length === 0)
    return { depth: 4, broken: `alarm ${name} notifies no SNS topic (its actions are ${quote(actions)})` };
  const problems: string[] = [];
  const unknown: string[] = [];
  for (const arn of topics) {
    const [, , , region = "", account = ""] = arn.split(":");
    const topic = ctx.itemsOfType(TOPIC).find((t) => t.arn === arn || t.resourceId === arn);
    if (!topic) {
      const gap = gapText(ctx, "sns", region, account);
      if (gap) unknown.push(`topic ${quote(arn)}: ${gap}`);
      else if (account !== alarm.accountId)
        unknown.push(`topic ${quote(arn)} is in account ${account}, not in this inventory`);
      else problems.push(`topic ${quote(arn)} does not exist`);
      continue;
    }
    const subs = topic.supplementaryConfiguration.subscriptions;
    const unreadable = unreadableReason(subs, `the subscriptions of topic ${quote(arn)}`);
    if (unreadable) {
      unknown.push(unreadable);
      continue;
    }
    const list = (Array.isArray(subs) ? subs : []) as { confirmed?: boolean; protocol?: string }[];
    const confirmed = list.find((s) => s.confirmed === true);
    if (confirmed)
      return {
        pass: `alarm ${name} notifies SNS topic ${quote(topic.resourceName ?? arn)}, which has a confirmed ${confirmed.protocol ?? ""} subscription`,
        evidence: { alarm: alarm.arn, topic: topic.arn },
      };
    problems.push(
      list.length === 0
        ? `SNS topic ${quote(arn)} has no subscriptions`
        : `SNS topic ${quote(arn)} has no confirmed subscription (${list.length} pending)`,
    );
  }
  if (unknown.length > 0) return { depth: 5, unknown: unknown.join("; ") };
  return { depth: 5, broken: problems.join("; ") };
}

function alarmStep(ctx: EvaluationContext, filter: ConfigurationItem): Step {
  const transformations = ((filter.configuration as { metricTransformations?: Transformation[] })
    .metricTransformations ?? []) as Transformation[];
  const filterName = quote((filter.configuration as { filterName?: string }).filterName ?? filter.resourceId);
  const alarms = ctx
    .itemsOfType(ALARM, filter.accountId)
    .filter((a) => a.awsRegion === filter.awsRegion && transformations.some((t) => alarmWatches(a, t)));
  const metric = transformations.map((t) => `${t.metricNamespace}/${t.metricName}`).join(", ");
  if (alarms.length === 0) {
    const gap = gapText(ctx, "cloudwatch", filter.awsRegion, filter.accountId);
    if (gap) return { depth: 3, unknown: gap };
    return {
      depth: 3,
      broken: `no CloudWatch alarm watches metric ${metric} of metric filter ${filterName}`,
    };
  }
  let best: Step | undefined;
  for (const alarm of alarms) {
    const c = alarm.configuration as { alarmActions?: string[]; actionsEnabled?: boolean | null };
    const actions = c.alarmActions ?? [];
    let step: Step;
    if (c.actionsEnabled === false)
      step = {
        depth: 4,
        broken: `alarm ${quote(alarm.resourceId)} on metric ${metric} has its actions disabled`,
      };
    else if (actions.length === 0)
      step = { depth: 4, broken: `alarm ${quote(alarm.resourceId)} on metric ${metric} has no alarm action` };
    else step = topicStep(ctx, alarm, actions);
    if ("pass" in step) return step;
    best = deeper(best, step);
  }
  return best!;
}

function deeper(a: Step | undefined, b: Step): Step {
  if (!a || "pass" in b) return b;
  if ("pass" in a) return a;
  // An unknown link outranks a broken one: the chain might be complete where it could not be read.
  if ("unknown" in b && !("unknown" in a)) return b;
  if ("unknown" in a && !("unknown" in b)) return a;
  return b.depth > a.depth ? b : a;
}

function logGroupStep(ctx: EvaluationContext, trail: ConfigurationItem, cls: MonitoredClass): Step {
  const groupArn = (trail.configuration as { cloudWatchLogsLogGroupArn?: string | null })
    .cloudWatchLogsLogGroupArn;
  if (!groupArn)
    return {
      depth: 1,
      broken: `trail ${trailName(trail)} sends no events to CloudWatch Logs (cloudWatchLogsLogGroupArn is not set)`,
    };
  const m = LOG_GROUP_ARN.exec(groupArn);
  if (!m)
    return {
      depth: 1,
      unknown: `trail ${trailName(trail)} names log group ${quote(groupArn)}, which is not a log group ARN`,
    };
  const [, region = "", account = "", group = ""] = m;
  const filters = ctx
    .itemsOfType(FILTER, account)
    .filter(
      (f) => f.awsRegion === region && (f.configuration as { logGroupName?: string }).logGroupName === group,
    );
  const gap = gapText(ctx, "logs", region, account);
  const misses: string[] = [];
  let best: Step | undefined;
  for (const filter of filters) {
    const pattern = (filter.configuration as { filterPattern?: string }).filterPattern;
    // Hundreds of accounts share a handful of patterns: each (pattern, class) is judged once per run.
    const coverage = ctx.memo(`metric-filter:${cls.cis}:${JSON.stringify(pattern ?? null)}`, () =>
      patternCovers(pattern, cls),
    );
    if (!coverage.covers) {
      misses.push(`${quote((filter.configuration as { filterName?: string }).filterName)}: ${coverage.why}`);
      continue;
    }
    const step = alarmStep(ctx, filter);
    if ("pass" in step) return step;
    best = deeper(best, step);
  }
  if (best) return best;
  if (gap) return { depth: 2, unknown: gap };
  if (filters.length === 0 && account !== trail.accountId && ctx.itemsOfType(FILTER, account).length === 0)
    return { depth: 2, unknown: `log group ${quote(group)} is in account ${account}, not in this inventory` };
  return {
    depth: 2,
    broken: `no metric filter on log group ${quote(group)} covers ${cls.title}${misses.length > 0 ? ` (${misses.join("; ")})` : filters.length === 0 ? " (the group has no metric filters)" : ""}`,
  };
}

function trailQualifies(trail: ConfigurationItem): Judgement {
  const multi = (trail.configuration as { isMultiRegionTrail?: unknown }).isMultiRegionTrail;
  if (multi !== true) return { ok: false, text: `isMultiRegionTrail is ${quote(multi)}` };
  const logging = isLogging(trail);
  if (!("ok" in logging) || !logging.ok) return logging;
  return managementEventsAll(trail);
}

/** The section-4 chain for one event class (`params.eventClass`, a key of MONITORED_CLASSES). */
const cloudwatchMonitoringChain: Evaluator = (item, params, ctx): EvaluatorResult => {
  const key = String(params.eventClass ?? "");
  const cls = MONITORED_CLASSES[key];
  if (!cls)
    return {
      error: `unknown event class ${quote(key)}; known: ${Object.keys(MONITORED_CLASSES).join(", ")}`,
    };
  const trails = ctx.itemsOfType(TRAIL, item.accountId);
  let best: Step | undefined;
  const unqualified: string[] = [];
  for (const trail of trails) {
    const q = trailQualifies(trail);
    if ("error" in q) {
      best = deeper(best, { depth: 0, unknown: `trail ${trailName(trail)}: ${q.error}` });
      continue;
    }
    if (!q.ok) {
      unqualified.push(`trail ${trailName(trail)}: ${q.text}`);
      continue;
    }
    const step = logGroupStep(ctx, trail, cls);
    if ("pass" in step)
      return {
        pass: true,
        reason: `trail ${trailName(trail)} → metric filter covering ${cls.title} → ${step.pass}`,
        evidence: { trail: trail.arn, ...step.evidence },
      };
    best = deeper(best, step);
  }
  if (!best) {
    const trailGaps = ctx.gapsOf("cloudtrail", item.accountId);
    if (trailGaps.length > 0)
      return {
        error: `CloudTrail could not be read in ${trailGaps.map((g) => `${g.region} (${g.code ?? g.error})`).join(", ")}, so the trail the chain starts from is unknown`,
      };
    const text =
      trails.length === 0
        ? `account ${item.accountId} has no CloudTrail trail`
        : `no multi-region trail that is logging and records all management events (${unqualified.join("; ")})`;
    return {
      pass: false,
      reason: `${text}; expected one whose log group has a metric filter for ${cls.title} with an alarm that notifies a subscribed SNS topic`,
    };
  }
  if ("unknown" in best)
    return { error: `the monitoring chain for ${cls.title} could not be followed: ${best.unknown}` };
  if ("broken" in best)
    return {
      pass: false,
      reason: `${best.broken}; expected a metric filter for ${cls.title} (CIS ${cls.cis}) with an alarm that notifies an SNS topic with a confirmed subscription`,
    };
  return { error: "unreachable" };
};

/** No Allow of the topic's access policy is open to everyone without a condition that narrows the caller. */
const snsTopicPolicyNotPublic: Evaluator = (item) => {
  const attributes = item.supplementaryConfiguration.attributes;
  const unreadable = unreadableReason(attributes, "supplementaryConfiguration.attributes");
  if (unreadable) return { error: unreadable };
  const policy = (attributes as { policy?: unknown } | null)?.policy;
  if (!policy) return { pass: true, reason: "the topic has no access policy (only its owner may use it)" };
  const open = publicStatementsIndexed(policy);
  if (open.length > 0)
    return {
      pass: false,
      reason: `${open.map((o) => describePublicAllow(o.statement, o.index, "topic policy")).join("; ")}; expected no public Allow`,
      evidence: { publicStatements: open.map((o) => o.statement) },
    };
  return {
    pass: true,
    reason: `no statement of the topic policy allows a public principal (${statementsOf(policy).length} read)`,
  };
};

/** Some alarm of the filter's account and region watches the metric the filter publishes. */
const logsMetricFilterHasAlarm: Evaluator = (item, _params, ctx) => {
  const transformations = ((item.configuration as { metricTransformations?: Transformation[] })
    .metricTransformations ?? []) as Transformation[];
  const metric = transformations.map((t) => `${t.metricNamespace}/${t.metricName}`).join(", ") || "none";
  const alarm = ctx
    .itemsOfType(ALARM, item.accountId)
    .find((a) => a.awsRegion === item.awsRegion && transformations.some((t) => alarmWatches(a, t)));
  if (alarm) return { pass: true, reason: `alarm ${quote(alarm.resourceId)} watches metric ${metric}` };
  const gap = gapText(ctx, "cloudwatch", item.awsRegion, item.accountId);
  if (gap) return { error: gap };
  return {
    pass: false,
    reason: `no CloudWatch alarm watches metric ${metric}; expected an alarm on the filter's metric`,
  };
};

export const monitoringEvaluators: Record<string, Evaluator> = {
  cloudwatchMonitoringChain,
  snsTopicPolicyNotPublic,
  logsMetricFilterHasAlarm,
};
