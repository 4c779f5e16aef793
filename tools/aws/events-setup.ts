/**
 * The AWS side of continuous compliance: an EventBridge rule on the default bus that forwards CloudTrail write
 * calls (and AWS Config item changes) to an SQS queue with a dead-letter queue, which `enforceai watch` reads.
 * `planEventsSetup` computes every resource as it should be; `applyEventsSetup` reads what exists and creates
 * or updates only what differs, so running it twice changes nothing and keeps the same ARNs.
 */
import {
  DescribeRuleCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { ConfigError, ForbiddenError, ServiceError, UsageError } from "../../src/errors.ts";
import type { AwsAccess } from "./access.ts";

export const EVENTS_SETUP_DEFAULTS = {
  queueName: "enforceai-events",
  dlqName: "enforceai-events-dlq",
  ruleName: "enforceai-cloudtrail-changes",
  configRuleName: "enforceai-config-changes",
  maxReceiveCount: 5,
} as const;

/** The detail-type of every CloudTrail management event on EventBridge. */
export const CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail";
/** The detail-type AWS Config sends when it records a changed configuration item. */
export const CONFIG_DETAIL_TYPE = "Config Configuration Item Change";
/** The target id the queue has on both rules. */
export const QUEUE_TARGET_ID = "enforceai-events-queue";

const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
const VISIBILITY_TIMEOUT_SECONDS = 120;
const RECEIVE_WAIT_SECONDS = 20;
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const EVENT_SOURCE = /^([a-z0-9-]+)(\.[a-z0-9-]+)*\.amazonaws\.com$/;

/**
 * The EventBridge `source` values a CloudTrail eventSource arrives under. The rule is "aws." followed by the
 * service part of the eventSource (`s3.amazonaws.com` → `aws.s3`, `elasticloadbalancing.amazonaws.com` →
 * `aws.elasticloadbalancing`, `monitoring.amazonaws.com` → `aws.monitoring`, per the EventBridge events
 * reference). A few services were documented under another name in the past (CloudWatch as `aws.cloudwatch`);
 * those get both values. The pattern also matches `detail.eventSource` exactly, so a second value can never
 * let in another service's events.
 */
const EXTRA_SOURCES: Record<string, readonly string[]> = {
  monitoring: ["aws.cloudwatch"],
};

export function eventBridgeSources(eventSource: string): string[] {
  const match = EVENT_SOURCE.exec(eventSource);
  if (!match) {
    throw new UsageError(`"${eventSource}" is not a CloudTrail eventSource (like s3.amazonaws.com)`);
  }
  const service = match[1]!;
  return [`aws.${service}`, ...(EXTRA_SOURCES[service] ?? [])];
}

export interface EventsSetupOptions {
  region: string;
  /** CloudTrail eventSource values the rule forwards (from the event table). */
  eventSources: readonly string[];
  queueName?: string;
  dlqName?: string;
  ruleName?: string;
  configRuleName?: string;
  maxReceiveCount?: number;
}

export type ResourceKind = "dlq" | "queue" | "queue-policy" | "rule" | "target";

export interface PlannedResource {
  kind: ResourceKind;
  name: string;
  arn: string;
  /** What the resource should be, as the API takes it (queue attributes, rule input, target input). */
  definition: Record<string, unknown>;
}

export interface EventsSetupPlan {
  region: string;
  account: string;
  partition: string;
  queueUrlHint: string;
  queueArn: string;
  dlqArn: string;
  ruleArns: string[];
  resources: PlannedResource[];
  /** The IAM policy `enforceai watch` needs for these queues. */
  watcherPolicy: Record<string, unknown>;
}

export type ResourceStatus = "created" | "updated" | "unchanged" | "planned";

export interface ResourceOutcome {
  kind: ResourceKind;
  name: string;
  arn: string;
  status: ResourceStatus;
  /** Attributes or fields that differed (for "updated"). */
  changed?: string[];
}

export interface EventsSetupResult {
  dryRun: boolean;
  region: string;
  account: string;
  queueUrl: string;
  dlqUrl: string;
  queueArn: string;
  dlqArn: string;
  ruleArns: string[];
  resources: ResourceOutcome[];
  plan: EventsSetupPlan;
  watcherPolicy: Record<string, unknown>;
}

interface Names {
  queueName: string;
  dlqName: string;
  ruleName: string;
  configRuleName: string;
  maxReceiveCount: number;
}

function resolveNames(options: EventsSetupOptions): Names {
  const names: Names = {
    queueName: options.queueName ?? EVENTS_SETUP_DEFAULTS.queueName,
    dlqName: options.dlqName ?? EVENTS_SETUP_DEFAULTS.dlqName,
    ruleName: options.ruleName ?? EVENTS_SETUP_DEFAULTS.ruleName,
    configRuleName: options.configRuleName ?? EVENTS_SETUP_DEFAULTS.configRuleName,
    maxReceiveCount: options.maxReceiveCount ?? EVENTS_SETUP_DEFAULTS.maxReceiveCount,
  };
  if (!REGION_PATTERN.test(options.region)) {
    throw new UsageError(`"${options.region}" is not an AWS region name; pass one like --region us-east-1`);
  }
  for (const [flag, value] of [
    ["--queue-name", names.queueName],
    ["--dlq-name", names.dlqName],
  ] as const) {
    if (!QUEUE_NAME.test(value))
      throw new UsageError(`${flag} "${value}" must be 1-80 letters, digits, hyphens or underscores`);
  }
  if (names.queueName === names.dlqName) throw new UsageError("the queue and its DLQ need different names");
  for (const [flag, value] of [
    ["--rule-name", names.ruleName],
    ["--config-rule-name", names.configRuleName],
  ] as const) {
    if (!RULE_NAME.test(value))
      throw new UsageError(`${flag} "${value}" must be 1-64 letters, digits, dots, hyphens or underscores`);
  }
  if (names.ruleName === names.configRuleName) throw new UsageError("the two rules need different names");
  if (!Number.isInteger(names.maxReceiveCount) || names.maxReceiveCount < 1 || names.maxReceiveCount > 1000) {
    throw new UsageError(`--max-receive-count must be a whole number from 1 to 1000`);
  }
  if (options.eventSources.length === 0) throw new UsageError("no CloudTrail eventSource to forward");
  return names;
}

/** The CloudTrail rule's event pattern: write calls of the given services, matched by source and eventSource. */
export function cloudTrailPattern(eventSources: readonly string[]): Record<string, unknown> {
  const sorted = [...new Set(eventSources)].sort();
  return {
    source: [...new Set(sorted.flatMap(eventBridgeSources))].sort(),
    "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
    detail: { eventSource: sorted },
  };
}

/** The AWS Config rule's event pattern: every recorded configuration item change. */
export function configPattern(): Record<string, unknown> {
  return { source: ["aws.config"], "detail-type": [CONFIG_DETAIL_TYPE] };
}

/** The queue policy: EventBridge may send to the queue only on behalf of our rules. */
export function queuePolicy(queueArn: string, ruleArns: readonly string[]): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Id: `${queueArn}/enforceai-events-policy`,
    Statement: [
      {
        Sid: "EnforceAIRulesSendEvents",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": [...ruleArns] } },
      },
    ],
  };
}

/** The permissions `enforceai watch` needs on the queue and its DLQ (see docs/iam/enforceai-watch-policy.json). */
export function watcherPolicy(queueArn: string, dlqArn: string): Record<string, unknown> {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EnforceAIReadEventQueue",
        Effect: "Allow",
        Action: [
          "sqs:ChangeMessageVisibility",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:GetQueueUrl",
          "sqs:ReceiveMessage",
        ],
        Resource: queueArn,
      },
      {
        Sid: "EnforceAIParkEventsInDeadLetterQueue",
        Effect: "Allow",
        Action: ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
        Resource: dlqArn,
      },
    ],
  };
}

/** Every resource as it should be, from the account's identity (no call made). */
export function planEventsSetup(
  options: EventsSetupOptions,
  identity: { account: string; partition: string },
): EventsSetupPlan {
  const names = resolveNames(options);
  const { account, partition } = identity;
  const { region } = options;
  const sqsArn = (name: string) => `arn:${partition}:sqs:${region}:${account}:${name}`;
  const ruleArn = (name: string) => `arn:${partition}:events:${region}:${account}:rule/${name}`;
  const queueArn = sqsArn(names.queueName);
  const dlqArn = sqsArn(names.dlqName);
  const ruleArns = [ruleArn(names.ruleName), ruleArn(names.configRuleName)];
  const dlqAttributes = {
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
    SqsManagedSseEnabled: "true",
  };
  const queueAttributes = {
    SqsManagedSseEnabled: "true",
    VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS),
    ReceiveMessageWaitTimeSeconds: String(RECEIVE_WAIT_SECONDS),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: names.maxReceiveCount }),
  };
  const rules = [
    {
      name: names.ruleName,
      description: "EnforceAI: CloudTrail write calls of the services in the event table, to the watch queue",
      pattern: cloudTrailPattern(options.eventSources),
    },
    {
      name: names.configRuleName,
      description: "EnforceAI: AWS Config configuration item changes, to the watch queue",
      pattern: configPattern(),
    },
  ];
  const resources: PlannedResource[] = [
    {
      kind: "dlq",
      name: names.dlqName,
      arn: dlqArn,
      definition: { QueueName: names.dlqName, Attributes: dlqAttributes },
    },
    {
      kind: "queue",
      name: names.queueName,
      arn: queueArn,
      definition: { QueueName: names.queueName, Attributes: queueAttributes },
    },
    {
      kind: "queue-policy",
      name: names.queueName,
      arn: queueArn,
      definition: { Policy: queuePolicy(queueArn, ruleArns) },
    },
  ];
  for (const [i, rule] of rules.entries()) {
    resources.push({
      kind: "rule",
      name: rule.name,
      arn: ruleArns[i]!,
      definition: {
        Name: rule.name,
        EventBusName: "default",
        State: "ENABLED",
        Description: rule.description,
        EventPattern: rule.pattern,
      },
    });
    resources.push({
      kind: "target",
      name: `${rule.name}/${QUEUE_TARGET_ID}`,
      arn: ruleArns[i]!,
      definition: {
        Rule: rule.name,
        EventBusName: "default",
        Targets: [{ Id: QUEUE_TARGET_ID, Arn: queueArn }],
      },
    });
  }
  return {
    region,
    account,
    partition,
    queueUrlHint: `https://sqs.${region}.amazonaws.com/${account}/${names.queueName}`,
    queueArn,
    dlqArn,
    ruleArns,
    resources,
    watcherPolicy: watcherPolicy(queueArn, dlqArn),
  };
}

/** JSON with object keys sorted, so that two documents compare by content, not by layout. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, x]) => [k, sort(x)]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value));
}

function sameJson(actual: string | undefined, wanted: unknown): boolean {
  if (actual === undefined) return false;
  try {
    return canonical(JSON.parse(actual)) === canonical(wanted);
  } catch {
    return false;
  }
}

const errorName = (error: unknown) => (error as { name?: string }).name ?? "";

const ACCESS_DENIED = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "AuthorizationError",
  "UnauthorizedOperation",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
]);

/** An SDK failure as one line saying what went wrong and what to do. */
function explain(error: unknown, step: string, region: string): Error {
  const name = errorName(error);
  const message = (error as Error).message ?? String(error);
  if (ACCESS_DENIED.has(name) || /not authorized|access denied/i.test(message)) {
    return new ForbiddenError(
      `${step} was denied (${name || "access denied"}): the credentials need SQS, EventBridge and STS permissions to set up the event queue (see docs/events.md); fix them or run with --dry-run to see the plan`,
      undefined,
      { cause: error },
    );
  }
  if (name === "CredentialsProviderError" || /could not load credentials/i.test(message)) {
    return new ConfigError(
      `no AWS credentials for ${step}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --role-arn`,
      undefined,
      { cause: error },
    );
  }
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|getaddrinfo/i.test(`${name} ${message}`)) {
    return new ServiceError(
      `${step} could not reach AWS in ${region} (${message}); check the region name and the network (AWS_ENDPOINT_URL when using an emulator)`,
      undefined,
      { cause: error },
    );
  }
  return new ServiceError(`${step} failed: ${name ? `${name}: ` : ""}${message}`, undefined, {
    cause: error,
  });
}

async function step<T>(label: string, region: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw explain(error, label, region);
  }
}

/** The account and partition of the credentials (STS GetCallerIdentity: a read, made in dry runs too). */
export async function callerIdentity(
  access: AwsAccess,
  region: string,
): Promise<{ account: string; partition: string }> {
  const sts = access.clientsFor(region).sts;
  const out = await step("sts:GetCallerIdentity", region, () => sts.send(new GetCallerIdentityCommand({})));
  const account = out.Account ?? "";
  const partition = /^arn:([^:]+):/.exec(out.Arn ?? "")?.[1] ?? "aws";
  if (!/^\d{12}$/.test(account)) throw new ServiceError(`STS returned no account id for these credentials`);
  return { account, partition };
}

/** Attributes of `wanted` whose value differs from the queue's (JSON attributes compared by content). */
function differingAttributes(actual: Record<string, string>, wanted: Record<string, string>): string[] {
  return Object.entries(wanted)
    .filter(([name, value]) =>
      name === "RedrivePolicy" || name === "Policy"
        ? !sameJson(actual[name], JSON.parse(value))
        : actual[name] !== value,
    )
    .map(([name]) => name);
}

/**
 * Creates or updates every resource of the plan. With `dryRun` only reads are made (GetCallerIdentity), and the
 * plan is returned with every resource "planned".
 */
export async function applyEventsSetup(
  access: AwsAccess,
  options: EventsSetupOptions & { dryRun?: boolean },
): Promise<EventsSetupResult> {
  resolveNames(options);
  const { region } = options;
  const identity = await callerIdentity(access, region);
  const plan = planEventsSetup(options, identity);
  const base = {
    region,
    account: identity.account,
    queueArn: plan.queueArn,
    dlqArn: plan.dlqArn,
    ruleArns: plan.ruleArns,
    plan,
    watcherPolicy: plan.watcherPolicy,
  };
  if (options.dryRun) {
    return {
      ...base,
      dryRun: true,
      queueUrl: plan.queueUrlHint,
      dlqUrl: plan.queueUrlHint.replace(/[^/]+$/, plan.resources[0]!.name),
      resources: plan.resources.map((r) => ({ kind: r.kind, name: r.name, arn: r.arn, status: "planned" })),
    };
  }

  const clients = access.clientsFor(region);
  const sqs = clients.get("sqs");
  const events = clients.get("eventbridge");
  const outcomes: ResourceOutcome[] = [];
  const byKind = (kind: ResourceKind) => plan.resources.filter((r) => r.kind === kind);

  /** Creates the queue, or sets the attributes that differ; returns its URL. */
  const ensureQueue = async (
    resource: PlannedResource,
    attributes: Record<string, string>,
    kind: ResourceKind,
    /** Sent again with any change (not compared): some emulators drop a queue's policy on other updates. */
    carry: Record<string, string> = {},
  ): Promise<string> => {
    const name = resource.name;
    const existing = await step(`sqs:GetQueueUrl ${name}`, region, async () => {
      try {
        return (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
      } catch (error) {
        if (/QueueDoesNotExist|NonExistentQueue/.test(errorName(error))) return undefined;
        throw error;
      }
    });
    if (!existing) {
      const created = await step(`sqs:CreateQueue ${name}`, region, () =>
        sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })),
      );
      outcomes.push({ kind, name, arn: resource.arn, status: "created" });
      return created.QueueUrl!;
    }
    const current = await step(`sqs:GetQueueAttributes ${name}`, region, () =>
      sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: existing,
          AttributeNames: Object.keys(attributes) as QueueAttributeName[],
        }),
      ),
    );
    const changed = differingAttributes(current.Attributes ?? {}, attributes);
    if (changed.length > 0) {
      await step(`sqs:SetQueueAttributes ${name}`, region, () =>
        sqs.send(
          new SetQueueAttributesCommand({
            QueueUrl: existing,
            Attributes: { ...carry, ...Object.fromEntries(changed.map((k) => [k, attributes[k]!])) },
          }),
        ),
      );
    }
    // A policy set on a queue that had none is created, not updated.
    const fresh = kind === "queue-policy" && !current.Attributes?.Policy;
    outcomes.push({
      kind,
      name,
      arn: resource.arn,
      status: changed.length === 0 ? "unchanged" : fresh ? "created" : "updated",
      ...(changed.length > 0 && !fresh ? { changed } : {}),
    });
    return existing;
  };

  const [dlq] = byKind("dlq");
  const [queue] = byKind("queue");
  const [policy] = byKind("queue-policy");
  const dlqUrl = await ensureQueue(dlq!, dlq!.definition.Attributes as Record<string, string>, "dlq");
  const policyAttribute = { Policy: JSON.stringify(policy!.definition.Policy) };
  const queueUrl = await ensureQueue(
    queue!,
    queue!.definition.Attributes as Record<string, string>,
    "queue",
    policyAttribute,
  );
  // The policy before the rules: once a rule forwards events, the queue already accepts them.
  await ensureQueue(policy!, policyAttribute, "queue-policy");

  for (const rule of byKind("rule")) {
    const def = rule.definition as {
      Name: string;
      EventBusName: string;
      State: "ENABLED";
      Description: string;
      EventPattern: Record<string, unknown>;
    };
    const current = await step(`events:DescribeRule ${def.Name}`, region, async () => {
      try {
        return await events.send(new DescribeRuleCommand({ Name: def.Name, EventBusName: def.EventBusName }));
      } catch (error) {
        if (errorName(error) === "ResourceNotFoundException") return undefined;
        throw error;
      }
    });
    const changed = current
      ? [
          ...(sameJson(current.EventPattern, def.EventPattern) ? [] : ["EventPattern"]),
          ...(current.State === def.State ? [] : ["State"]),
          ...(current.Description === def.Description ? [] : ["Description"]),
        ]
      : [];
    if (!current || changed.length > 0) {
      await step(`events:PutRule ${def.Name}`, region, () =>
        events.send(
          new PutRuleCommand({
            Name: def.Name,
            EventBusName: def.EventBusName,
            State: def.State,
            Description: def.Description,
            EventPattern: JSON.stringify(def.EventPattern),
          }),
        ),
      );
    }
    outcomes.push({
      kind: "rule",
      name: def.Name,
      arn: rule.arn,
      status: !current ? "created" : changed.length > 0 ? "updated" : "unchanged",
      ...(current && changed.length > 0 ? { changed } : {}),
    });
  }

  for (const target of byKind("target")) {
    const def = target.definition as {
      Rule: string;
      EventBusName: string;
      Targets: { Id: string; Arn: string }[];
    };
    const wanted = def.Targets[0]!;
    const listed = await step(`events:ListTargetsByRule ${def.Rule}`, region, () =>
      events.send(new ListTargetsByRuleCommand({ Rule: def.Rule, EventBusName: def.EventBusName })),
    );
    const existing = (listed.Targets ?? []).find((t) => t.Id === wanted.Id);
    const same = existing && existing.Arn === wanted.Arn && !existing.Input && !existing.InputPath;
    if (!same) {
      const out = await step(`events:PutTargets ${def.Rule}`, region, () =>
        events.send(
          new PutTargetsCommand({ Rule: def.Rule, EventBusName: def.EventBusName, Targets: [wanted] }),
        ),
      );
      if ((out.FailedEntryCount ?? 0) > 0) {
        const entry = out.FailedEntries?.[0];
        throw new ServiceError(
          `events:PutTargets ${def.Rule} failed: ${entry?.ErrorCode ?? "error"}: ${entry?.ErrorMessage ?? ""}`.trim(),
        );
      }
    }
    outcomes.push({
      kind: "target",
      name: target.name,
      arn: target.arn,
      status: !existing ? "created" : same ? "unchanged" : "updated",
      ...(existing && !same ? { changed: ["Arn"] } : {}),
    });
  }

  return { ...base, dryRun: false, queueUrl, dlqUrl, resources: outcomes };
}
